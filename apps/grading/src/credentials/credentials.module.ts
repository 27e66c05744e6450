import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TokenSource } from '@app/auth';
import { LtiaasClient } from '@app/ltiaas';
import { createLogger } from '@app/observability';
import { CLOCK, systemClock } from '../common/clock';
import { GRADING_CONFIG } from '../grading.database';
import type { GradingConfig } from '../grading.config';
import { AccountKeyCheck } from './account-key.check';
import { CredentialResolver } from './credential.resolver';
import { CREDENTIAL_CACHE_MS, LTIAAS_PORT, type LtiaasClientPort } from './ports';
import { VAULT_TOKENS, VaultClient, type BearerTokens } from './vault.client';

/** Closes the LTIAAS connection pool once delivery and roster refreshes have stopped. */
@Injectable()
class LtiaasPool implements OnApplicationShutdown {
  constructor(@Inject(LTIAAS_PORT) private readonly client: LtiaasClient) {}

  onApplicationShutdown(): Promise<void> {
    return this.client.close();
  }
}

function ltiaasClient(config: GradingConfig): LtiaasClientPort {
  return new LtiaasClient({
    baseUrl: config.LTIAAS_URL,
    apiKey: config.LTIAAS_API_KEY,
    connections: Math.max(16, config.DELIVERY_CONCURRENCY * 2),
    headersTimeoutMs: config.LTIAAS_TIMEOUT_MS,
    bodyTimeoutMs: config.LTIAAS_TIMEOUT_MS,
    logger: createLogger({ app: 'grading', level: config.LOG_LEVEL }),
  });
}

function vaultTokens(config: GradingConfig): BearerTokens {
  return new TokenSource({ vaultUrl: config.VAULT_URL, apiKey: config.GRADING_API_KEY });
}

/**
 * What grading talks to LTIAAS with, for delivery and roster refreshes
 * alike: one LTIAAS client (one connection pool), the serviceKeys from the
 * vault (one cache per process, which relaunches empty) and the check that
 * tells a refused serviceKey from a refused account API key.
 */
@Module({
  providers: [
    { provide: CLOCK, useValue: systemClock },
    { provide: LTIAAS_PORT, inject: [GRADING_CONFIG], useFactory: ltiaasClient },
    { provide: VAULT_TOKENS, inject: [GRADING_CONFIG], useFactory: vaultTokens },
    { provide: CREDENTIAL_CACHE_MS, inject: [GRADING_CONFIG], useFactory: (config: GradingConfig) => config.CREDENTIAL_CACHE_MS },
    LtiaasPool,
    VaultClient,
    CredentialResolver,
    AccountKeyCheck,
  ],
  exports: [LTIAAS_PORT, VaultClient, CredentialResolver, AccountKeyCheck],
})
export class CredentialsModule {}
