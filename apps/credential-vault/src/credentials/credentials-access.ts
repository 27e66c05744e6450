import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse } from '@nestjs/swagger';
import { JwtAuthGuard, Scopes } from '@app/auth';

/**
 * Who may resolve serviceKeys, mark them stale and list contexts: callers
 * whose vault token carries the `credentials:resolve` scope.
 */
export const CredentialsAccess = () =>
  applyDecorators(
    UseGuards(JwtAuthGuard),
    Scopes('credentials:resolve'),
    ApiBearerAuth(),
    ApiResponse({ status: 401, description: 'Missing or invalid bearer credential' }),
  );
