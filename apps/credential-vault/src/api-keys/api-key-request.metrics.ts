import { Inject, Injectable } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@app/observability';

/**
 * `vault_api_key_requests_refused_total{reason}`: key creations refused for
 * their body (reason: the first field at fault, e.g. `scopes`, `platforms`).
 */
@Injectable()
export class ApiKeyRequestMetrics {
  private readonly refused: Counter<'reason'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.refused = new Counter({ name: 'vault_api_key_requests_refused_total', help: 'API key creations refused, by the field at fault', labelNames: ['reason'], registers: [registry] });
  }

  refusedFor(reason: string): void {
    this.refused.inc({ reason });
  }
}
