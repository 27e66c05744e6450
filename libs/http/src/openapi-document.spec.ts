import type { OpenAPIObject } from '@nestjs/swagger';
import type { ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { completeDocument } from './openapi-document';

const document = (): OpenAPIObject => ({
  openapi: '3.0.0',
  info: { title: 't', version: '1' },
  servers: [],
  paths: {
    '/health/live': { get: { responses: { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object' } } } }, '503': { description: 'down', content: { 'application/json': { schema: { type: 'object', title: 'report' } } } } } } },
    '/v1/keys': { post: { security: [{ bearer: [] }], responses: { '201': { description: 'created' }, '401': { description: 'no token' }, '403': { description: 'no scope' } } } },
  },
});

describe('completeDocument', () => {
  it('gives every error answer the shared error body, keeping a schema an operation describes itself', () => {
    const done = completeDocument(document());
    expect(done.components?.schemas?.Error).toMatchObject({ required: ['statusCode', 'error', 'message'] });
    expect(done.paths['/v1/keys'].post!.responses['401']).toEqual({ description: 'no token', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
    expect((done.paths['/health/live'].get!.responses['503'] as ResponseObject).content?.['application/json'].schema).toEqual({ type: 'object', title: 'report' });
    expect(done.paths['/v1/keys'].post!.responses['201']).toEqual({ description: 'created' });
  });

  it('states that an operation without a security requirement is public, and keeps the ones given', () => {
    const done = completeDocument(document());
    expect(done.paths['/health/live'].get!.security).toEqual([]);
    expect(done.paths['/v1/keys'].post!.security).toEqual([{ bearer: [] }]);
  });

  it('names the serving host as the server when none is given', () => {
    expect(completeDocument(document()).servers).toEqual([{ url: '/', description: 'the host serving this document' }]);
  });
});
