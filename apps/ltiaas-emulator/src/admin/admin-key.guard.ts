import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { EMULATOR_CONFIG, EmulatorConfig } from '../config/emulator.config';

/** The admin API's own key: `Authorization: Bearer <EMULATOR_ADMIN_KEY>` or `x-admin-key`. */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  private readonly key: Buffer;

  constructor(@Inject(EMULATOR_CONFIG) config: EmulatorConfig) {
    // The admin module is only mounted when the key is set.
    this.key = Buffer.from(config.adminKey ?? '');
  }

  canActivate(ctx: ExecutionContext): boolean {
    const headers = ctx.switchToHttp().getRequest<FastifyRequest>().headers;
    const auth = headers.authorization;
    const given = auth?.startsWith('Bearer ') ? auth.slice(7) : headers['x-admin-key'];
    if (typeof given === 'string' && this.matches(given)) return true;
    throw new UnauthorizedException('admin key required');
  }

  private matches(given: string): boolean {
    const buf = Buffer.from(given);
    return this.key.length > 0 && buf.length === this.key.length && timingSafeEqual(buf, this.key);
  }
}
