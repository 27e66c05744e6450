import { Inject, Injectable } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@app/observability';

export type ExchangeOutcome = 'issued' | 'refused' | 'rate_limited' | 'bootstrap_disabled';

/** `vault_token_exchanges_total{outcome}`: a rise in refused or rate_limited is someone guessing, or a service with a revoked key; bootstrap_disabled, a script still using the retired bootstrap key. */
@Injectable()
export class TokenExchangeMetrics {
  private readonly exchanges: Counter<'outcome'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.exchanges = new Counter({ name: 'vault_token_exchanges_total', help: 'API key presentations at /v1/token by outcome', labelNames: ['outcome'], registers: [registry] });
  }

  record(outcome: ExchangeOutcome): void {
    this.exchanges.inc({ outcome });
  }
}
