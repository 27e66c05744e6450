import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { LtiaasError } from '@app/ltiaas';
import { BoundedLabel, METRICS_REGISTRY } from '@app/observability';
import type { CompletionResult } from './delivery-completion.service';
import type { PlatformGate } from './delivery-group.runner';
import type { LtiaasPort } from '../credentials/ports';

/**
 * Platforms named on /metrics: the first this many a process delivers to keep
 * their id as the `platform` label, later ones are counted as `other`.
 */
export const MAX_PLATFORM_LABELS = 50;

/** Delivery counters and timings on /metrics. */
@Injectable()
export class DeliveryMetrics {
  private readonly results: Counter<'platform' | 'result'>;
  private readonly requests: Histogram<'status'>;
  private readonly fenced: Counter;
  private readonly throttled: Counter<'platform'>;
  private readonly platforms = new BoundedLabel(MAX_PLATFORM_LABELS);
  private probe: () => { rowsInFlight: number; unrecorded: number } = () => ({ rowsInFlight: 0, unrecorded: 0 });

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    const registers = [registry];
    this.results = new Counter({ name: 'grading_delivery_results_total', help: 'Delivery attempts by result', labelNames: ['platform', 'result'], registers });
    this.throttled = new Counter({ name: 'grading_delivery_throttled_total', help: 'Score POSTs the platform answered with a throttle (429 or rate-limit 403)', labelNames: ['platform'], registers });
    this.fenced = new Counter({ name: 'grading_delivery_fenced_total', help: 'Results not recorded because the lease had passed on', registers });
    this.requests = new Histogram({
      name: 'grading_ltiaas_score_post_seconds',
      help: 'Score POSTs to LTIAAS by status',
      labelNames: ['status'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
      registers,
    });
    const self = this;
    new Gauge({
      name: 'grading_delivery_rows_in_flight',
      help: 'Rows this process has claimed and not finished',
      registers,
      collect(this: Gauge) {
        this.set(self.probe().rowsInFlight);
      },
    });
    new Gauge({
      name: 'grading_delivery_results_unrecorded',
      help: 'Delivery results waiting to be written to the ledger',
      registers,
      collect(this: Gauge) {
        this.set(self.probe().unrecorded);
      },
    });
  }

  observe(probe: () => { rowsInFlight: number; unrecorded: number }): void {
    this.probe = probe;
  }

  recorded(result: CompletionResult): void {
    for (const s of result.settled) this.results.inc({ platform: this.platforms.of(s.row.platformId), result: s.kind });
    if (result.fenced) this.fenced.inc(result.fenced);
  }

  /** The platform gate with every throttled answer counted. */
  instrumentGate(gate: PlatformGate): PlatformGate {
    const throttled = this.throttled;
    const platforms = this.platforms;
    return {
      acquire: (platformId) => gate.acquire(platformId),
      report(platformId, result) {
        if (result.throttled) throttled.inc({ platform: platforms.of(platformId) });
        gate.report(platformId, result);
      },
    };
  }

  /** The LTIAAS port with every score POST timed. */
  instrument(ltiaas: LtiaasPort): LtiaasPort {
    const requests = this.requests;
    return {
      checkApiKey: () => ltiaas.checkApiKey(),
      listLineItems: (cred, query) => ltiaas.listLineItems(cred, query),
      createLineItem: (cred, input) => ltiaas.createLineItem(cred, input),
      async postScore(cred, lineItemId, score) {
        const stop = requests.startTimer();
        try {
          const result = await ltiaas.postScore(cred, lineItemId, score);
          stop({ status: '2xx' });
          return result;
        } catch (error) {
          stop({ status: error instanceof LtiaasError && error.status ? String(error.status) : 'error' });
          throw error;
        }
      },
    };
  }
}
