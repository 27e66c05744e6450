import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * Everything the page may load comes from this origin: its script, its
 * stylesheet, and the calls it makes to /api (no CDN, no web fonts, no inline
 * script), so an injected tag can neither run nor send anything elsewhere.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/** Serves the built page from `dir`; hashed assets are cached for good, index.html never. */
export async function serveConsolePage(app: NestFastifyApplication, dir: string): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) void reply.header(name, value);
    return payload;
  });
  await app.register(fastifyStatic as never, {
    root: dir,
    prefix: '/',
    index: ['index.html'],
    wildcard: false,
    // Our own cache-control below, not the plugin's.
    cacheControl: false,
    // @fastify/static 9 hands setHeaders the raw response (10 hands it the reply; 10 needs Node.js 22).
    setHeaders: (response: { setHeader(name: string, value: string): unknown }, filePath: string) => {
      response.setHeader('cache-control', /[\\/]assets[\\/]/.test(filePath) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
