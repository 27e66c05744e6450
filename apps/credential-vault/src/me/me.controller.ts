import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard, Principal, type AuthPrincipal } from '@app/auth';
import { apiSchema } from '@app/http';
import { meView } from '../tokens/token.response';

export interface MeView {
  handle: string;
  scopes: readonly string[];
  /** Platform ids the key is limited to; null when it reaches every platform. */
  platforms: readonly string[] | null;
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
  @ApiOperation({ summary: 'Who the bearer token speaks for' })
  @ApiOkResponse({ description: 'who the bearer token speaks for: handle, scopes, platforms, expiry', schema: apiSchema(meView, 'output') })
  me(@Principal() principal: AuthPrincipal): MeView {
    return {
      handle: principal.handle,
      scopes: principal.scopes,
      platforms: principal.platforms ?? null,
      issuedAt: principal.issuedAt.toISOString(),
      expiresAt: principal.expiresAt.toISOString(),
      expiresIn: Math.max(0, Math.floor((principal.expiresAt.getTime() - Date.now()) / 1000)),
    };
  }
}
