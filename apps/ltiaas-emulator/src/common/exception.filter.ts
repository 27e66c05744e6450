import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Clock } from '../clock/clock';
import { Counters } from '../inspection/counters';
import { RequestLog } from '../inspection/request-log';
import './request-meta';
import { ConnectionResetSignal, LtiaasError, reasonPhrase } from './ltiaas.error';

const isOwnPath = (url: string): boolean => url.startsWith('/__admin') || url.startsWith('/health') || url.startsWith('/docs');

/**
 * LTIAAS answers keep LTIAAS's `{ status, error, details }` envelope, whatever
 * failed (routing, body parsing, the handler). The emulator's own endpoints
 * (admin, health) use the house `{ statusCode, error, message }` shape.
 */
@Catch()
@Injectable()
export class EmulatorExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('LtiaasEmulator');

  constructor(
    private readonly requestLog: RequestLog,
    private readonly counters: Counters,
    private readonly clock: Clock,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();

    if (exception instanceof ConnectionResetSignal) {
      this.reset(req, reply);
      return;
    }
    if (exception instanceof LtiaasError) {
      reply.headers(exception.headers).status(exception.status).send(exception.body());
      return;
    }
    const status = statusOf(exception);
    if (status >= 500) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    const message = messageOf(exception, status);
    if (isOwnPath(req.url)) {
      reply.status(status).send({ statusCode: status, error: reasonPhrase(status), message });
      return;
    }
    const code = status === 404 ? 'NOT_FOUND' : status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'INVALID_REQUEST';
    reply.status(status).send(new LtiaasError(status, { message: code, description: message }).body());
  }

  /** Drops the socket with no answer, as a flaky LMS or load balancer would. */
  private reset(req: FastifyRequest, reply: FastifyReply): void {
    this.counters.connectionResets++;
    const meta = req.emulator;
    this.requestLog.record({
      at: this.clock.now(),
      method: req.method,
      path: req.url,
      endpoint: meta?.endpoint ?? null,
      scheme: meta?.scheme ?? null,
      platformId: meta?.platformId ?? null,
      status: 0,
      durationMs: reply.elapsedTime,
      fault: meta?.fault ?? 'connection-reset',
    });
    if (meta) this.counters.request(meta.endpoint, 0);
    // Keep the hooks from answering or logging the request a second time.
    req.emulator = null;
    reply.hijack();
    req.raw.socket.destroy();
  }
}

function statusOf(exception: unknown): number {
  if (exception instanceof HttpException) return exception.getStatus();
  // Fastify's own errors (bad JSON, unsupported media type, body too large) carry statusCode.
  const code = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' && code >= 400 && code < 600 ? code : 500;
}

function messageOf(exception: unknown, status: number): string {
  if (status >= 500) return 'Internal server error';
  if (exception instanceof HttpException) {
    const response = exception.getResponse();
    if (typeof response === 'string') return response;
    const message = (response as { message?: unknown }).message;
    return Array.isArray(message) ? message.join('; ') : String(message ?? exception.message);
  }
  return exception instanceof Error ? exception.message : reasonPhrase(status);
}
