import { Controller, Get, Module, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { createHttpApp } from './create-http-app';
import { NoStore } from './no-store';
import { API_CSP, DOCS_CSP } from './security-headers';

@Controller()
class ProbeController {
  @Get('thing')
  thing(): { ok: true } {
    return { ok: true };
  }

  @Post('secret')
  @NoStore()
  secret(): { token: string } {
    return { token: 'not-cached' };
  }

  @Get('framed-page')
  async page(@Res() reply: FastifyReply): Promise<void> {
    await reply.headers({ 'content-type': 'text/html', 'content-security-policy': "default-src 'none'; frame-ancestors *" }).send('<p>hi</p>');
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

type App = Awaited<ReturnType<typeof createHttpApp>>;

async function appWith(docsEnabled: boolean | undefined): Promise<App> {
  const app = await createHttpApp(ProbeModule, { name: 'test', pinoLogger: false, docsEnabled, swagger: { title: 'probe' } });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

describe('security headers on every answer', () => {
  let app: App;

  beforeAll(async () => {
    app = await appWith(true);
  });

  afterAll(async () => {
    await app?.close();
  });

  it.each([
    ['a JSON answer', 'GET', '/thing', 200],
    ['a 404', 'GET', '/nowhere', 404],
    ['a POST', 'POST', '/secret', 201],
  ] as const)('sets them on %s', async (_, method, url, status) => {
    const res = await app.inject({ method, url });
    expect(res.statusCode).toBe(status);
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'content-security-policy': API_CSP,
    });
  });

  it('marks an answer that carries a secret no-store, and only that one', async () => {
    expect((await app.inject({ method: 'POST', url: '/secret' })).headers['cache-control']).toBe('no-store');
    expect((await app.inject({ method: 'GET', url: '/thing' })).headers['cache-control']).toBeUndefined();
  });

  it('gives Swagger UI a policy that runs its own scripts and styles, nothing from elsewhere', async () => {
    const ui = await app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-security-policy']).toBe(DOCS_CSP);
    // Swagger UI's page loads only scripts of its own origin, none inline (script-src 'self').
    expect(ui.body).not.toMatch(/<script>(?!\s*<\/script>)/);
    const scripts = [...ui.body.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) expect(src).not.toMatch(/^(https?:)?\/\//);
    expect((await app.inject({ method: 'GET', url: '/docs/openapi.json' })).statusCode).toBe(200);
  });

  it('leaves framing to a page that allows it by frame-ancestors', async () => {
    const res = await app.inject({ method: 'GET', url: '/framed-page' });
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors *");
    expect(res.headers['x-frame-options']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('/docs', () => {
  it.each([false, undefined])('is not served unless enabled (docsEnabled: %s)', async (docsEnabled) => {
    const app = await appWith(docsEnabled);
    try {
      expect((await app.inject({ method: 'GET', url: '/docs' })).statusCode).toBe(404);
      expect((await app.inject({ method: 'GET', url: '/docs/openapi.json' })).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });
});
