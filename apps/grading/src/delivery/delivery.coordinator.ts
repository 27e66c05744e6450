import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { ContextTriple } from '@app/contracts';
import { DeliverySignals } from '../common/delivery-signals';
import { Semaphore } from '../common/semaphore';
import { ContextsRepository } from '../contexts/contexts.repository';
import { GRADING_CONFIG } from '../grading.database';
import { sendMarginMs, type GradingConfig } from '../grading.config';
import { OutcomePublisher } from '../outcomes/outcome.publisher';
import { CompletionBuffer } from './completion.buffer';
import { CredentialResolver } from './credentials/credential.resolver';
import { AccountKeyCheck } from './credentials/account-key.check';
import { DeliveryCompletionRepository } from './delivery-completion.repository';
import { DeliveryMetrics } from './delivery.metrics';
import { DeliveryWorker } from './delivery.worker';
import type { BackoffPolicy } from './failure-policy';
import { LineItemResolver } from './line-items/line-item.resolver';
import { LineItemsRepository } from './line-items/line-items.repository';
import { CLOCK, LTIAAS_PORT, VAULT_PORT, type Clock, type LtiaasPort, type VaultPort } from './ports';
import { PlatformBudgetRepository } from './rate-limit/platform-budget.repository';
import { PlatformRateLimiter } from './rate-limit/platform-rate-limiter';
import { ScoreClaimRepository } from './score-claim.repository';
import { settle } from './settle';

/**
 * Puts delivery together for one process from its configuration, starts it
 * after boot and drains it on shutdown: the claim loop, the per-platform
 * limiter, the resolvers and the batched recording of results.
 */
@Injectable()
export class DeliveryCoordinator implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryCoordinator.name);
  readonly limiter: PlatformRateLimiter;
  readonly credentials: CredentialResolver;
  readonly accountKey: AccountKeyCheck;
  readonly lineItems: LineItemResolver;
  private readonly buffer: CompletionBuffer;
  private readonly worker: DeliveryWorker;
  private unsubscribe?: () => void;
  private stopping = false;
  private workerStopped?: Promise<void>;
  private shutdownDeadline?: number;

  constructor(
    @Inject(GRADING_CONFIG) private readonly config: GradingConfig,
    @Inject(LTIAAS_PORT) ltiaas: LtiaasPort,
    @Inject(VAULT_PORT) vault: VaultPort,
    @Inject(CLOCK) clock: Clock,
    claims: ScoreClaimRepository,
    completions: DeliveryCompletionRepository,
    budgets: PlatformBudgetRepository,
    lineItemStore: LineItemsRepository,
    contexts: ContextsRepository,
    private readonly signals: DeliverySignals,
    outcomes: OutcomePublisher,
    metrics: DeliveryMetrics,
  ) {
    const backoff: BackoffPolicy = { baseMs: config.DELIVERY_BACKOFF_BASE_MS, maxMs: config.DELIVERY_BACKOFF_MAX_MS, random: Math.random };
    this.limiter = new PlatformRateLimiter(budgets, {
      initialRate: config.DELIVERY_PLATFORM_RATE,
      burst: config.DELIVERY_PLATFORM_BURST,
      minRate: config.DELIVERY_PLATFORM_MIN_RATE,
      maxRate: config.DELIVERY_PLATFORM_MAX_RATE,
      increaseStep: config.DELIVERY_RATE_INCREASE,
      decreaseFactor: config.DELIVERY_RATE_DECREASE,
      throttleTolerance: config.DELIVERY_THROTTLE_TOLERANCE,
      windowMs: 1_000,
    });
    this.credentials = new CredentialResolver(vault, clock, config.CREDENTIAL_CACHE_MS);
    this.accountKey = new AccountKeyCheck(ltiaas, clock);
    this.lineItems = new LineItemResolver(ltiaas, lineItemStore, { launchLineItemId: async (t) => (await contexts.find(t))?.agsLineItemId ?? null }, clock);
    this.buffer = new CompletionBuffer({
      store: completions,
      settle: (batch, contextStates) =>
        settle(batch, contextStates, { backoff, giveUpAfterMs: config.DELIVERY_GIVE_UP_AFTER_MS, relaunchGraceMs: config.DELIVERY_RELAUNCH_GRACE_MS, now: clock.now() }),
      onStale: (report) => this.credentials.markStale(report.triple, { capturedAt: report.capturedAt, reason: report.reason }),
      onRecorded: (result) => {
        metrics.recorded(result);
        outcomes.nudge();
      },
    });
    this.worker = new DeliveryWorker(
      claims,
      {
        ltiaas: metrics.instrument(ltiaas),
        credentials: this.credentials,
        lineItems: this.lineItems,
        gate: this.limiter,
        slots: new Semaphore(config.DELIVERY_CONCURRENCY),
        clock,
        backoff,
        sink: this.buffer,
        stopping: () => this.stopping,
        accountKey: this.accountKey,
      },
      (platformId) => this.limiter.rateOf(platformId),
      {
        batchSize: config.DELIVERY_BATCH_SIZE,
        maxRowsInFlight: Math.max(config.DELIVERY_BATCH_SIZE * 2, config.DELIVERY_CONCURRENCY * 4),
        leaseMs: config.DELIVERY_LEASE_MS,
        // A request that started always ends before the lease does (checked at boot, see grading.config).
        sendMarginMs: sendMarginMs(config),
        pollMs: config.DELIVERY_POLL_MS,
        lookaheadSeconds: config.DELIVERY_LOOKAHEAD_SECONDS,
      },
    );
    metrics.observe(() => ({ rowsInFlight: this.worker.rowsInFlight, unrecorded: this.buffer.size }));
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

  /** Before the database and Kafka clients close: stop claiming, finish what is in flight, record it. */
  /**
   * The first thing on SIGTERM, before any module drains (Nest runs these for
   * every module first): claim nothing more, and close the limiter so rows
   * claimed but not yet sent go back to the ledger as they were. Only requests
   * already on the wire finish.
   */
  onModuleDestroy(): void {
    this.unsubscribe?.();
    this.stopping = true;
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
