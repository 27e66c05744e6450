import type { OpenAPIObject } from '@nestjs/swagger';

type Operation = { security?: unknown[]; responses?: Record<string, { description?: string; content?: Record<string, unknown> }> };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The one error shape every app answers with (HttpErrorFilter). */
export const ERROR_BODY_SCHEMA = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer', example: 400 },
    error: { type: 'string', example: 'Bad Request' },
    message: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'what went wrong; for a 400, one `field: reason` line per field' },
  },
};

/**
 * Finishes what the decorators leave implicit, so clients can generate from
 * the document: every error response carries the shared error body (only
 * health reports describe their own 503), and an operation no controller
 * marked with a security requirement says explicitly that it is public
 * (`security: []`) rather than leaving generators to guess.
 */
export function completeDocument(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas ??= {};
  document.components.schemas.Error ??= ERROR_BODY_SCHEMA;
  if (!document.servers?.length) document.servers = [{ url: '/', description: 'the host serving this document' }];
  for (const item of Object.values(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (!operation) continue;
      operation.security ??= [];
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (/^[45]\d\d$/.test(status) && !response.content) response.content = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
      }
    }
  }
  return document;
}
