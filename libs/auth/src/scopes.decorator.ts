import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Scope } from './scopes';

export const REQUIRED_SCOPES = 'auth:required-scopes';

/**
 * The scopes a route needs, all of them, on a handler or a whole controller
 * (a handler's list replaces its controller's). Works with JwtAuthGuard:
 *
 *   @UseGuards(JwtAuthGuard)
 *   @Scopes('scores:write')
 */
export function Scopes(...scopes: Scope[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_SCOPES, scopes),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'missing, invalid or expired bearer token; the message names the check that failed' }),
    ApiForbiddenResponse({ description: `the token lacks a scope: ${scopes.join(', ') || '(none)'}` }),
  );
}
