import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import '../common/request-meta';
import { FaultEngine } from '../faults/fault.engine';
import { Counters } from '../inspection/counters';
import { namedError } from '../faults/fault-responses';
import { RegistryStore } from '../lms/registry.store';
import { AuthService } from './auth.service';
import { ENDPOINT_META, EndpointMeta } from './endpoint-meta';

/**
 * The LTIAAS side of every request, in the order LTIAAS would meet it: the
 * credential, the platform registration, the service for the context; then
 * what the LMS behind it does today (injected faults). Stays synchronous when
 * nothing is injected, which keeps the hot path cheap.
 */
@Injectable()
export class LtiaasGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly registry: RegistryStore,
    private readonly faults: FaultEngine,
    private readonly counters: Counters,
  ) {}

  canActivate(ctx: ExecutionContext): boolean | Promise<boolean> {
    const meta = this.reflector.get<EndpointMeta>(ENDPOINT_META, ctx.getHandler());
    const http = ctx.switchToHttp();
    const req = http.getRequest<FastifyRequest<{ Params: Record<string, string | undefined> }>>();
    const reply = http.getResponse<FastifyReply>();
    req.emulator = { endpoint: meta.name, scheme: null, platformId: null, fault: null, auth: null };

    const auth = this.auth.authenticate(req.headers.authorization, meta.auth);
    req.emulator.auth = auth;
    req.emulator.scheme = auth.scheme;
    if (auth.scheme === 'BEARER') {
      req.emulator.platformId = req.params.platformID ?? null;
    } else {
      req.emulator.platformId = auth.platformId;
      const registration = this.registry.get(auth.platformId);
      if (!registration?.active) throw namedError('UNREGISTERED_OR_INACTIVE_PLATFORM');
      if (meta.service && !auth.services[meta.service]) throw namedError('SERVICE_NOT_AVAILABLE_FOR_CONTEXT');
    }

    if (meta.name === 'scores.post') this.trackScorePost(req, reply);
    const outcome = this.faults.evaluate(meta.name, req.emulator.platformId, reply);
    req.emulator.fault = outcome.label;
    if (outcome.delayMs > 0) {
      return new Promise<boolean>((resolve, reject) =>
        setTimeout(() => (outcome.failure ? reject(outcome.failure) : resolve(true)), outcome.delayMs),
      );
    }
    if (outcome.failure) throw outcome.failure;
    return true;
  }

  /** Open from here (before any injected latency) until answered: tests see two posts for one (line item, user) at once. */
  private trackScorePost(req: FastifyRequest<{ Params: Record<string, string | undefined> }>, reply: FastifyReply): void {
    const userId = (req.body as { userId?: unknown } | undefined)?.userId;
    if (typeof userId !== 'string' || !req.params.lineItemID) return;
    const close = this.counters.scorePostOpened(req.params.lineItemID, userId);
    reply.raw.once('close', close);
    reply.raw.once('finish', close);
  }
}
