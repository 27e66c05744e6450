import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import '../common/request-meta';
import { AuthScheme, ContextAuth } from './auth.service';
import { ENDPOINT_META, EndpointMeta } from './endpoint-meta';
import { LtiaasGuard } from './ltiaas.guard';

const HEADER_HELP: Record<AuthScheme, string> = {
  LTIK: 'LTIK-AUTH-V2 <API_KEY>:<LTIK>',
  SVC: 'SERVICE-AUTH-V1 <API_KEY>:<SERVICE_KEY>',
  BEARER: 'Bearer <API_KEY>',
};

/** Marks an LTIAAS endpoint: who may call it, and under which name faults can target it. */
export function LtiaasEndpoint(meta: EndpointMeta): MethodDecorator {
  return applyDecorators(
    SetMetadata(ENDPOINT_META, meta),
    UseGuards(LtiaasGuard),
    ApiHeader({ name: 'Authorization', required: true, description: meta.auth.map((s) => HEADER_HELP[s]).join(' | ') }),
  );
}

/** The launch context of an ltik or serviceKey caller (set by LtiaasGuard). */
export const CallerContext = createParamDecorator((_: unknown, ctx: ExecutionContext): ContextAuth => {
  const auth = ctx.switchToHttp().getRequest<FastifyRequest>().emulator?.auth;
  if (!auth || auth.scheme === 'BEARER') throw new Error('CallerContext used on an endpoint without a launch context');
  return auth;
});
