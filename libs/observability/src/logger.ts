import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import pino from 'pino';
import { loggableUrl, redactText, REDACTED_PATHS } from './redaction';

export interface LoggerSettings {
  app: string;
  level?: string;
}

const REQUEST_ID_HEADER = 'x-request-id';

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
}

/** pino options shared by the HTTP logger and standalone loggers (scripts, consumers). */
export function pinoOptions({ app, level = 'info' }: LoggerSettings): pino.LoggerOptions {
  return {
    level,
    base: { app },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      // Free-text messages can carry an Authorization header copied from an error.
      logMethod(args, method) {
        const masked = args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)) as typeof args;
        return method.apply(this, masked);
      },
    },
    serializers: {
      err: (err: Error) => ({ type: err.name, message: redactText(err.message ?? ''), stack: err.stack ? redactText(err.stack) : undefined }),
    },
  };
}

export function createLogger(settings: LoggerSettings): pino.Logger {
  return pino(pinoOptions(settings));
}

function isHealthProbe(url: string | undefined): boolean {
  return url !== undefined && url.startsWith('/health/');
}

/** nestjs-pino parameters: one line per failed or slow request; successes stay quiet on the hot path. */
export function httpLoggerParams(settings: LoggerSettings): Params {
  const options = pinoOptions(settings);
  return {
    pinoHttp: {
      ...options,
      genReqId: (req: IncomingMessage & { id?: unknown }, res: ServerResponse) => {
        // Fastify's id (from the same rule) when the framework set one, so app code and log lines agree.
        const id = typeof req.id === 'string' ? req.id : requestIdOf(req);
        res.setHeader(REQUEST_ID_HEADER, id);
        return id;
      },
      // Health endpoints log their own state changes (libs/health ProbeStateLog): a failing probe is not a failed request.
      customLogLevel: (req, res, err) => (isHealthProbe(req.url) ? 'silent' : err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'silent'),
      serializers: {
        ...options.serializers,
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: loggableUrl(req.url) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
  };
}
