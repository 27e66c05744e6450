import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { ContextTriple } from '@app/contracts';
import { DeliverySignals } from '../common/delivery-signals';
import { CredentialResolver } from '../credentials/credential.resolver';
import { GRADING_CONFIG } from '../grading.database';
import type { GradingConfig } from '../grading.config';
import { CompletionBuffer } from './completion.buffer';
import { DeliveryMetrics } from './delivery.metrics';
import { DeliveryWorker } from './delivery.worker';
import { LineItemResolver } from './line-items/line-item.resolver';
import { PlatformRateLimiter } from './rate-limit/platform-rate-limiter';

/**
 * Starts delivery after boot and drains it on shutdown: the claim loop, the
 * per-platform limiter and the batched recording of results. A relaunch
 * empties what was cached about its activity.
 */
@Injectable()
export class DeliveryCoordinator implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryCoordinator.name);
  private unsubscribe?: () => void;
  private workerStopped?: Promise<void>;
  private shutdownDeadline?: number;

  constructor(
    @Inject(GRADING_CONFIG) private readonly config: GradingConfig,
    private readonly signals: DeliverySignals,
    private readonly limiter: PlatformRateLimiter,
    private readonly worker: DeliveryWorker,
    private readonly buffer: CompletionBuffer,
    private readonly credentials: CredentialResolver,
    private readonly lineItems: LineItemResolver,
    metrics: DeliveryMetrics,
  ) {
    metrics.observe(() => ({ rowsInFlight: worker.rowsInFlight, unrecorded: buffer.size }));
  }

  onApplicationBootstrap(): void {
    this.unsubscribe = this.signals.subscribe({
      scoresDue: () => this.worker.nudge(),
      relaunched: (triples: ContextTriple[]) => {
        for (const t of triples) {
          this.credentials.forget(t);
          this.lineItems.forgetLaunchLineItem(t);
        }
      },
    });
    if (!this.config.DELIVERY_ENABLED) {
      this.logger.warn('delivery is disabled (DELIVERY_ENABLED=false): scores are recorded but not posted');
      return;
    }
    this.limiter.start();
    this.worker.start();
  }

  /**
   * The first thing on SIGTERM, before any module drains (Nest runs these for
   * every module first): claim nothing more, and close the limiter so rows
   * claimed but not yet sent go back to the ledger as they were. Only requests
   * already on the wire finish.
   */
  onModuleDestroy(): void {
    this.unsubscribe?.();
    this.shutdownDeadline = Date.now() + this.config.SHUTDOWN_TIMEOUT_MS;
    this.workerStopped = this.worker.stop(Math.max(1_000, this.config.SHUTDOWN_TIMEOUT_MS - 2_000));
    this.limiter.close();
  }

  /** Before the database and Kafka clients close: wait for the requests in flight and record them, within SHUTDOWN_TIMEOUT_MS. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.workerStopped) this.onModuleDestroy();
    await this.workerStopped;
    await this.buffer.drain(Math.max(1_000, (this.shutdownDeadline ?? Date.now()) - Date.now()));
    this.buffer.close();
  }
}
