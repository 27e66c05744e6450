import { Controller, Get, Module, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHttpApp } from './create-http-app';

@Controller('whoami')
class RequestIdController {
  @Get()
  id(@Req() request: FastifyRequest): { id: string } {
    return { id: request.id };
  }
}

@Module({ controllers: [RequestIdController] })
class RequestIdModule {}

describe('createHttpApp request ids', () => {
  let app: Awaited<ReturnType<typeof createHttpApp>>;

  beforeAll(async () => {
    app = await createHttpApp(RequestIdModule, { name: 'test', pinoLogger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
  });

  const idFor = async (header?: string) => {
    const res = await app.inject({ method: 'GET', url: '/whoami', headers: header === undefined ? {} : { 'x-request-id': header } });
    return (res.json() as { id: string }).id;
  };

  it("takes the caller's x-request-id when it is a plain token", async () => {
    expect(await idFor('grader-42.batch_7')).toBe('grader-42.batch_7');
  });

  it('replaces an id that would smuggle text into logs and audit rows, or is missing', async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const bad of ['two words', 'x'.repeat(129), 'id"; DROP', '']) expect(await idFor(bad)).toMatch(uuid);
    expect(await idFor()).toMatch(uuid);
  });
});
