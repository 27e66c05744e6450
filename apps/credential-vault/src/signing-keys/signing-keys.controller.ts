import { Controller, Get, Header, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { apiSchema } from '@app/http';
import { JwtAuthGuard, Principal, Scopes, type AuthPrincipal } from '@app/auth';
import type { JSONWebKeySet } from 'jose';
import type { RotationOutcome } from './signing-keys.repository';
import { jwksView, rotationOutcome } from './signing-keys.response';
import { SigningKeysService } from './signing-keys.service';

@ApiTags('signing-keys')
@Controller()
export class SigningKeysController {
  constructor(private readonly keys: SigningKeysService) {}

  /** Public keys only; verifiers cache them and refetch on an unknown kid. */
  @Get('.well-known/jwks.json')
  @Header('Cache-Control', 'public, max-age=60')
  @ApiOperation({ summary: 'The public keys that verify access tokens' })
  @ApiOkResponse({ description: 'the public keys that verify access tokens (RFC 7517 key set)', schema: apiSchema(jwksView, 'output') })
  jwks(): Promise<JSONWebKeySet> {
    return this.keys.publicJwks();
  }

  /** Rotate now: the pending key starts signing, the active one retires (still published until its tokens expire). */
  @Post('v1/signing-keys/rotate')
  @HttpCode(200)
  @UseGuards(JwtAuthGuard)
  @Scopes('admin')
  @ApiOperation({ summary: 'Rotate the token signing key now' })
  @ApiOkResponse({ description: 'the key that signs from now on, and the one retired (still published until its tokens expire)', schema: apiSchema(rotationOutcome, 'output') })
  rotate(@Principal() admin: AuthPrincipal): Promise<RotationOutcome> {
    return this.keys.rotate('now', admin.handle);
  }
}
