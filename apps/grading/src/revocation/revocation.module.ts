import { Inject, Injectable, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { RevocationList, TokenSource } from '@app/auth';
import { METRICS_REGISTRY } from '@app/observability';
import type { GradingConfig } from '../grading.config';

/**
 * Polls the vault's revoked API keys while the app runs, and shows on
 * /metrics how fresh that list is: a growing age means revocations no longer
 * reach grading (it fails open; see RevocationList).
 */
@Injectable()
class RevocationPolling implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly list: RevocationList,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    const registers = [registry];
    new Gauge({
      name: 'grading_revocation_list_age_seconds',
      help: 'Seconds since the list of revoked API keys was last fetched from the vault (-1: never)',
      registers,
      collect() {
        const at = list.status().lastSuccessAt;
        this.set(at === undefined ? -1 : (Date.now() - at) / 1000);
      },
    });
    new Gauge({
      name: 'grading_revocation_poll_failures',
      help: 'Consecutive failed fetches of the revocation list (0 when the last one succeeded)',
      registers,
      collect() {
        this.set(list.status().consecutiveFailures);
      },
    });
    new Gauge({
      name: 'grading_revoked_api_keys',
      help: 'Revoked API keys whose tokens grading refuses',
      registers,
      collect() {
        this.set(list.status().size);
      },
    });
  }

  onApplicationBootstrap(): void {
    this.list.start();
  }

  onApplicationShutdown(): void {
    this.list.stop();
  }
}

/** Grading's RevocationCheck, for AuthModule: a request costs a Set look-up, never a call to the vault. */
@Module({})
export class RevocationModule {
  static forRoot(config: Pick<GradingConfig, 'VAULT_URL' | 'GRADING_API_KEY' | 'REVOCATION_POLL_MS'>): DynamicModule {
    return {
      module: RevocationModule,
      providers: [
        {
          provide: RevocationList,
          useFactory: () =>
            new RevocationList({
              vaultUrl: config.VAULT_URL,
              tokens: new TokenSource({ vaultUrl: config.VAULT_URL, apiKey: config.GRADING_API_KEY }),
              intervalMs: config.REVOCATION_POLL_MS,
            }),
        },
        RevocationPolling,
      ],
      exports: [RevocationList],
    };
  }
}
