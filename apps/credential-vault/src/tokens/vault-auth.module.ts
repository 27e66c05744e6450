import { Module, type DynamicModule } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { ApiKeyRevocation } from '../api-keys/api-key.revocation';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { MeModule } from '../me/me.module';
import { LocalJwksSource } from '../signing-keys/local-jwks.source';
import { SigningKeysModule } from '../signing-keys/signing-keys.module';
import type { VaultConfig } from '../vault.config';
import { TokensModule } from './tokens.module';

/**
 * Everything about who may call the vault (and, through its tokens, every
 * app): API keys, token exchange, signing keys and JWKS, /v1/me, and the
 * global JwtAuthGuard verifier, which here reads the keys from the database.
 */
@Module({})
export class VaultAuthModule {
  static forRoot(config: VaultConfig): DynamicModule {
    const signingKeys = SigningKeysModule.forRoot({ tokenTtlSeconds: config.JWT_TTL_SECONDS, rotationHours: config.JWT_ROTATION_HOURS });
    const apiKeys = ApiKeysModule.forRoot({ bootstrapAdminKey: config.BOOTSTRAP_ADMIN_API_KEY, tokenTtlSeconds: config.JWT_TTL_SECONDS });
    return {
      module: VaultAuthModule,
      imports: [
        signingKeys,
        apiKeys,
        AuthModule.forRootAsync({
          imports: [signingKeys, apiKeys],
          inject: [LocalJwksSource, ApiKeyRevocation],
          useFactory: (source: LocalJwksSource, revocation: ApiKeyRevocation) => ({
            issuer: config.JWT_ISSUER,
            audience: config.JWT_AUDIENCE,
            keySource: source,
            // Here, unlike in the other apps, a revoked key's tokens are refused at once.
            revocation,
            // No cool-down: an unknown kid costs at most one database read per JWKS cache period (5 s).
            keyStore: { maxAgeMs: 60_000, unknownKidCooldownMs: 0 },
          }),
        }),
        TokensModule.forRoot(
          {
            tokens: { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: config.JWT_TTL_SECONDS },
            limits: { maxFailures: config.TOKEN_FAILURE_LIMIT, windowSeconds: config.TOKEN_FAILURE_WINDOW_SECONDS },
          },
          [apiKeys, signingKeys],
        ),
        MeModule,
      ],
    };
  }
}
