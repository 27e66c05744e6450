import { Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
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
  @Header('Cache-Control', 'no-store')
  @ApiBearerAuth()
  @ApiOkResponse({ description: '`{ access_token, token_type: "Bearer", expires_in, scope }`' })
  @ApiUnauthorizedResponse({ description: 'missing or invalid API key (the same answer for every reason)' })
  @ApiTooManyRequestsResponse({ description: 'too many failed presentations from this address or for this key; see Retry-After' })
  async exchange(@Req() request: FastifyRequest): Promise<TokenResponse> {
    const header = request.headers.authorization;
    const presented = typeof header === 'string' ? BEARER.exec(header.trim())?.[1] : undefined;
    const issued = await this.tokens.exchange(presented, request.ip);
    return { access_token: issued.accessToken, token_type: 'Bearer', expires_in: issued.expiresIn, scope: issued.scope };
  }
}
