import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { STATUS_BY_KIND, DomainError } from './domain-error';

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Every HTTP error leaves as `{ statusCode, error, message }`: never a stack trace, never a secret. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (isHealthReport(exception)) {
      // Terminus reports keep their own format for Kubernetes and operators.
      void reply.status(exception.getStatus()).send(exception.getResponse());
      return;
    }
    const { statusCode, message, retryAfter } = this.describe(exception);
    if (statusCode === 500) this.logger.error({ err: exception }, 'request failed');
    if (retryAfter !== undefined) void reply.header('Retry-After', String(retryAfter));
    void reply.status(statusCode).send({ statusCode, error: REASON[statusCode] ?? HttpStatus[statusCode] ?? 'Error', message });
  }

  private describe(exception: unknown): { statusCode: number; message: string | string[]; retryAfter?: number } {
    if (exception instanceof DomainError) {
      return { statusCode: STATUS_BY_KIND[exception.kind], message: exception.message, retryAfter: exception.retryAfterSeconds };
    }
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const message = typeof body === 'string' ? body : ((body as { message?: string | string[] }).message ?? exception.message);
      return { statusCode: exception.getStatus(), message };
    }
    // Fastify's own errors (bad JSON, body too large, wrong content type) carry a statusCode.
    const fastifyStatus = (exception as { statusCode?: number }).statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      return { statusCode: fastifyStatus, message: (exception as Error).message };
    }
    return { statusCode: 500, message: 'Internal server error' };
  }
}

function isHealthReport(exception: unknown): exception is HttpException {
  if (!(exception instanceof HttpException)) return false;
  const body = exception.getResponse();
  return typeof body === 'object' && body !== null && 'status' in body && 'details' in body;
}
