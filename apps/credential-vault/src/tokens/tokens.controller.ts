import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { apiSchema, NoStore } from '@app/http';
import { tokenResponse } from './token.response';
import { TokensService } from './tokens.service';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

const BEARER = /^Bearer +(\S+)$/i;

@ApiTags('tokens')
@Controller('v1/token')
export class TokensController {
  constructor(private readonly tokens: TokensService) {}

  @Post()
  @HttpCode(200)
  // RFC 6749 §5.1: token responses must not be cached.
  @NoStore()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Exchange an API key for a short-lived access token' })
  @ApiOkResponse({ description: 'a bearer JWT for the key\'s scopes', schema: apiSchema(tokenResponse, 'output') })
  @ApiUnauthorizedResponse({ description: 'missing or invalid API key (the same answer for every reason)' })
  @ApiTooManyRequestsResponse({ description: 'too many failed presentations from this address or for this key; see Retry-After' })
  async exchange(@Req() request: FastifyRequest): Promise<TokenResponse> {
    const header = request.headers.authorization;
    const presented = typeof header === 'string' ? BEARER.exec(header.trim())?.[1] : undefined;
    const issued = await this.tokens.exchange(presented, request.ip);
    return { access_token: issued.accessToken, token_type: 'Bearer', expires_in: issued.expiresIn, scope: issued.scope };
  }
}
