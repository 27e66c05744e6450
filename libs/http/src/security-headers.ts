import fastifyHelmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * An API answers JSON: it loads nothing, runs nothing and is framed by no one.
 * A route that renders a page sets its own policy (launch's pages do).
 */
export const API_CSP = "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'";

/**
 * Swagger UI at /docs: its own scripts and styles (plus the inline <style> of
 * its page), its data: icons, and the OpenAPI JSON fetched from this origin.
 */
export const DOCS_CSP = "default-src 'none';script-src 'self';style-src 'self' 'unsafe-inline';img-src 'self' data:;font-src 'self' data:;connect-src 'self';base-uri 'none';form-action 'none';frame-ancestors 'none'";

/**
 * Headers on every answer, errors and 404s included (helmet's onRequest hook):
 * nosniff, no framing (frame-ancestors 'none' and X-Frame-Options DENY),
 * no Referer, HSTS (browsers heed it only over HTTPS, which the ingress
 * terminates), and a CSP that fits an API.
 */
export async function applySecurityHeaders(app: NestFastifyApplication): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: directivesOf(API_CSP) },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (request, reply, payload) => {
      if (/^\/docs(?:[/?]|$)/.test(request.url)) void reply.header('content-security-policy', DOCS_CSP);
      // A page that lets itself be framed (LTI tools live in the LMS's iframe) says so with
      // frame-ancestors; X-Frame-Options DENY beside it would contradict that in older browsers.
      // Helmet wrote it on the raw response, so it is removed there.
      const csp = String(reply.getHeader('content-security-policy') ?? '');
      if (/frame-ancestors\s+(?!'none')/.test(csp)) reply.raw.removeHeader('x-frame-options');
      return payload;
    });
}

/** "a b; c d" → { a: ['b'], c: ['d'] }, the shape helmet takes. */
function directivesOf(policy: string): Record<string, string[]> {
  return Object.fromEntries(
    policy.split(';').map((part) => {
      const [name, ...values] = part.trim().split(/\s+/);
      return [name, values];
    }),
  );
}
