import type { IncomingMessage } from 'node:http';
import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { HttpMetrics, requestIdOf } from '@app/observability';
import { HttpErrorFilter } from './http-error.filter';
import { completeDocument } from './openapi-document';
import { applySecurityHeaders } from './security-headers';

export interface HttpAppOptions {
  name: string;
  swagger?: { title: string; description?: string; bearerAuth?: boolean };
  /** Serves `swagger` at /docs (DOCS_ENABLED); off by default, so a deployment maps its API for no stranger. */
  docsEnabled?: boolean;
  bodyLimitBytes?: number;
  /** Proxies in front of the app whose X-Forwarded-For is believed (0: none). */
  trustProxyHops?: number;
  /** Uses nestjs-pino's logger; the module must import ObservabilityModule. */
  pinoLogger?: boolean;
}

/**
 * One way to build every app: Fastify (about twice Express's throughput),
 * redacting JSON logs, one error shape, security headers on every answer,
 * OpenAPI at /docs when enabled, HTTP metrics, and shutdown hooks so SIGTERM
 * drains consumers and pools.
 */
export async function createHttpApp(module: Type<unknown> | DynamicModule, options: HttpAppOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimitBytes ?? 5 * 1024 * 1024,
    trustProxy: options.trustProxyHops ? options.trustProxyHops : false,
    // The caller's x-request-id, if it is a plain token (else a new one), becomes the id on every
    // log line and audit row of the request, and goes on to LTIAAS.
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => requestIdOf(req),
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: options.pinoLogger !== false,
    // Throw instead of exiting the process, so callers and tests see the error.
    abortOnError: false,
  });
  if (options.pinoLogger !== false) app.useLogger(app.get(Logger));
  app.useGlobalFilters(new HttpErrorFilter());
  await applySecurityHeaders(app);
  // process.exit(0) once every hook ran: a clean SIGTERM ends with status 0 (and pino flushes on 'exit').
  app.enableShutdownHooks([], { useProcessExit: true });
  recordHttpMetrics(app);
  if (options.swagger && options.docsEnabled) {
    let builder = new DocumentBuilder().setTitle(options.swagger.title).setVersion('1');
    if (options.swagger.description) builder = builder.setDescription(options.swagger.description);
    if (options.swagger.bearerAuth) builder = builder.addBearerAuth();
    SwaggerModule.setup('docs', app, () => completeDocument(SwaggerModule.createDocument(app, builder.build())), { jsonDocumentUrl: 'docs/openapi.json' });
  }
  return app;
}

function recordHttpMetrics(app: NestFastifyApplication): void {
  let metrics: HttpMetrics | undefined;
  try {
    metrics = app.get(HttpMetrics, { strict: false });
  } catch {
    return; // an app without ObservabilityModule records no HTTP metrics
  }
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics!.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics!.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });
}
