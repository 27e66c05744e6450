import { Controller, Get, Header, Inject, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard, Scopes } from '@app/auth';
import { API_KEY_SETTINGS, type ApiKeySettings } from './api-key.authenticator';
import { ApiKeysRepository } from './api-keys.repository';
import { BootstrapKeyRepository } from './bootstrap-key.repository';

export interface RevocationsView {
  /** Ids (`akid` claims) of API keys revoked within `windowSeconds`. */
  revoked: string[];
  /** Tokens of the bootstrap key (`sub` bootstrap:admin) are refused. */
  bootstrapDisabled: boolean;
  windowSeconds: number;
}

/**
 * What apps that verify tokens on their own (grading) poll to refuse revoked
 * keys' tokens within seconds. Only keys revoked within a token's lifetime
 * (and a margin for clock skew) are listed: older ones have no live token.
 */
@ApiTags('tokens')
@Controller('v1/revocations')
@UseGuards(JwtAuthGuard)
@Scopes('revocations:read')
export class RevocationsController {
  private readonly windowSeconds: number;

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly bootstrapState: BootstrapKeyRepository,
    @Inject(API_KEY_SETTINGS) settings: ApiKeySettings,
  ) {
    this.windowSeconds = settings.tokenTtlSeconds + 300;
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'API keys revoked within a token lifetime, for apps that verify tokens on their own' })
  @ApiOkResponse({
    description: 'the ids (`akid`) of keys revoked within `windowSeconds`, and whether the bootstrap key is disabled',
    schema: {
      type: 'object',
      properties: { revoked: { type: 'array', items: { type: 'string' } }, bootstrapDisabled: { type: 'boolean' }, windowSeconds: { type: 'integer' } },
      required: ['revoked', 'bootstrapDisabled', 'windowSeconds'],
    },
  })
  async list(): Promise<RevocationsView> {
    const [revoked, bootstrap] = await Promise.all([this.keys.revokedWithin(this.windowSeconds), this.bootstrapState.disabled()]);
    return { revoked, bootstrapDisabled: bootstrap !== null, windowSeconds: this.windowSeconds };
  }
}
