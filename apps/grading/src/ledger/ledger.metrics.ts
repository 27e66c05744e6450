import { Inject, Injectable, Logger } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@app/observability';
import type { GradingConfig } from '../grading.config';
import { GRADING_CONFIG } from '../grading.database';
import { LedgerStatsRepository, type BacklogStats } from './ledger-stats.repository';

/** Backlog gauges on /metrics, read from the ledger at scrape time (at most every few seconds). */
@Injectable()
export class LedgerMetrics {
  private readonly logger = new Logger(LedgerMetrics.name);
  private cached?: { at: number; stats: Promise<BacklogStats> };

  constructor(
    private readonly ledger: LedgerStatsRepository,
    @Inject(METRICS_REGISTRY) registry: Registry,
    @Inject(GRADING_CONFIG) private readonly config: GradingConfig,
  ) {
    const gauge = (name: string, help: string, pick: (s: BacklogStats) => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect: async function (this: Gauge) {
          const stats = await self.stats();
          if (stats) this.set(pick(stats));
        },
      });
    const self = this;
    gauge('grading_backlog_pending', 'Ledger rows whose latest value awaits delivery', (s) => s.pending);
    gauge('grading_backlog_oldest_pending_seconds', 'Age of the oldest undelivered value', (s) => s.oldestPendingAgeSeconds);
    gauge('grading_deliveries_in_flight', 'Deliveries in flight across replicas', (s) => s.inFlight);
    gauge('grading_waiting_for_launch', 'Ledger rows waiting for a relaunch of their context', (s) => s.waitingForLaunch);
    gauge('grading_dead_letters_open', 'Dead letters not yet retried', (s) => s.deadLetters);
  }

  private async stats(): Promise<BacklogStats | undefined> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > this.config.METRICS_LEDGER_CACHE_MS) this.cached = { at: now, stats: this.ledger.backlog() };
    try {
      return await this.cached.stats;
    } catch (error) {
      this.cached = undefined;
      this.logger.warn({ err: error }, 'could not read backlog metrics');
      return undefined;
    }
  }
}
