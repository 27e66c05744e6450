import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { principalOf } from '@app/auth';

/** Who is calling, for audit rows: the API key handle the guard verified. */
export interface Caller {
  actor: string;
  correlationId?: string;
}

export const CallerOf = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const request = context.switchToHttp().getRequest<{ id?: string }>();
  const actor = principalOf(request)?.handle;
  // Only reachable when a route forgot its guard: fail loudly rather than write an anonymous audit row.
  if (!actor) throw new Error('@CallerOf() used on a route without JwtAuthGuard');
  return { actor, correlationId: typeof request.id === 'string' ? request.id : undefined };
});
