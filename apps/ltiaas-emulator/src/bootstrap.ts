import { AddressInfo } from 'node:net';
import { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Clock } from './clock/clock';
import './common/request-meta';
import { EmulatorConfig } from './config/emulator.config';
import { EmulatorModule } from './emulator.module';
import { Counters } from './inspection/counters';
import { RequestLog } from './inspection/request-log';
import { EmulatorUrls } from './lms/emulator-urls';

export interface EmulatorAppOptions {
  /** Nest log levels; false for silence (tests). */
  logger?: LogLevel[] | false;
  /**
   * OpenAPI: 'ui' serves Swagger UI at /docs and the document at /docs/openapi.json;
   * 'json' only the document (the UI's static-file plugin pulls in ESM that Jest cannot load).
   */
  docs?: 'ui' | 'json' | false;
}

export interface RunningEmulator {
  app: NestFastifyApplication;
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

const isLtiaasPath = (url: string): boolean => url.startsWith('/api/') || url.startsWith('/admin/');

export async function createEmulatorApp(config: EmulatorConfig, options: EmulatorAppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // A percent-encoded line-item URL is one path parameter, and easily longer than Fastify's default 100.
    routerOptions: { maxParamLength: 4096 },
    bodyLimit: 16 * 1024 * 1024,
  });
  const app = await NestFactory.create<NestFastifyApplication>(EmulatorModule.forRoot(config), adapter, {
    logger: options.logger ?? ['error', 'warn', 'log'],
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.decorateRequest('emulator', null);

  const requestLog = app.get(RequestLog);
  const counters = app.get(Counters);
  const clock = app.get(Clock);
  // One cheap record per LTIAAS request, after the answer went out: no per-request logging.
  fastify.addHook('onResponse', (req: FastifyRequest, reply, done) => {
    const meta = req.emulator;
    if (meta || isLtiaasPath(req.url)) {
      if (meta) counters.request(meta.endpoint, reply.statusCode);
      requestLog.record({
        at: clock.now(),
        method: req.method,
        path: req.url,
        endpoint: meta?.endpoint ?? null,
        scheme: meta?.scheme ?? null,
        platformId: meta?.platformId ?? null,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
        fault: meta?.fault ?? null,
      });
    }
    done();
  });

  if (!config.rateLimitHeaders) {
    // LTIAAS documents no rate-limit headers and nothing says the LMS's reach the client
    // (reference §11): in this mode a client must pace itself without them.
    fastify.addHook('onSend', (req: FastifyRequest, reply, payload, done) => {
      if (isLtiaasPath(req.url)) reply.removeHeader('retry-after').removeHeader('x-rate-limit-remaining');
      done(null, payload);
    });
  }

  const docs = options.docs ?? 'ui';
  if (docs) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('LTIAAS emulator')
        .setDescription('In-memory LTIAAS and LMS. Admin API under /__admin (see README).')
        .setVersion('1.0')
        .build(),
    );
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', ui: docs === 'ui' });
  }
  return app;
}

/** Creates the app and listens; the base of line-item and paging URLs follows the real port. */
export async function startEmulatorServer(config: EmulatorConfig, options: EmulatorAppOptions = {}): Promise<RunningEmulator> {
  const app = await createEmulatorApp(config, { logger: false, ...options });
  await app.listen(config.port, config.host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  app.get(EmulatorUrls).setBase(config.publicUrl ?? url);
  return { app, url, close: () => app.close() };
}
