import { Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '@app/http';
import { AdmissionMetrics } from './admission.metrics';
import type { AddressRateLimiter } from './address-rate.limiter';

export const ADDRESS_RATE_LIMITER = Symbol('ADDRESS_RATE_LIMITER');

/**
 * LAUNCH_RATE_LIMIT per client address on the routes that call LTIAAS.
 * The address is Fastify's `request.ip`, which believes X-Forwarded-For
 * only as far as TRUST_PROXY_HOPS says (libs/http), as the vault does: a
 * client cannot step around the limit by writing the header itself.
 */
@Injectable()
export class LaunchRateLimitGuard implements CanActivate {
  private readonly logger = new Logger(LaunchRateLimitGuard.name);

  constructor(
    @Inject(ADDRESS_RATE_LIMITER) private readonly limiter: AddressRateLimiter,
    private readonly metrics: AdmissionMetrics,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const retryAfter = this.limiter.take(request.ip);
    if (retryAfter === 0) return true;
    this.metrics.refusedFor('rate-limited');
    this.logger.debug({ clientAddress: request.ip, retryAfter }, 'launch refused: rate limit for the address reached');
    throw new DomainError('rate_limited', 'too many launches from this address; retry later', retryAfter);
  }
}
