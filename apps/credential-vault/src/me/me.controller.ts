import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard, Principal, type AuthPrincipal } from '@app/auth';

export interface MeView {
  handle: string;
  scopes: readonly string[];
  issuedAt: string;
  expiresAt: string;
  /** Seconds the token has left. */
  expiresIn: number;
}

@ApiTags('tokens')
@Controller('v1/me')
@UseGuards(JwtAuthGuard)
export class MeController {
  @Get()
  @ApiBearerAuth()
  @ApiOkResponse({ description: 'who the bearer token speaks for: handle, scopes, expiry' })
  me(@Principal() principal: AuthPrincipal): MeView {
    return {
      handle: principal.handle,
      scopes: principal.scopes,
      issuedAt: principal.issuedAt.toISOString(),
      expiresAt: principal.expiresAt.toISOString(),
      expiresIn: Math.max(0, Math.floor((principal.expiresAt.getTime() - Date.now()) / 1000)),
    };
  }
}
