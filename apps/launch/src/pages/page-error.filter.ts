import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, HttpErrorFilter, STATUS_BY_KIND } from '@app/http';
import { errorPage } from './error-page';
import { PAGE_HEADERS } from './html';

/**
 * Browser-facing routes: a person gets an HTML page that says what went
 * wrong; any other client the usual `{statusCode, error, message}` JSON.
 */
@Catch()
export class PageErrorFilter implements ExceptionFilter {
  private readonly json = new HttpErrorFilter();
  private readonly logger = new Logger(PageErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (!wantsHtml(request.headers.accept)) return this.json.catch(exception, host);
    const status = statusOf(exception);
    if (status >= 500 && status !== 502) this.logger.error({ err: exception }, 'page request failed');
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof DomainError && exception.retryAfterSeconds !== undefined) void reply.header('Retry-After', String(exception.retryAfterSeconds));
    void reply.status(status).headers(PAGE_HEADERS).send(errorPage(status));
  }
}

function wantsHtml(accept: string | undefined): boolean {
  return typeof accept === 'string' && /\btext\/html\b/i.test(accept);
}

function statusOf(exception: unknown): number {
  if (exception instanceof DomainError) return STATUS_BY_KIND[exception.kind];
  if (exception instanceof HttpException) return exception.getStatus();
  return 500;
}
