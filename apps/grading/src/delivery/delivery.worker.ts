import { Inject, Injectable, Logger } from '@nestjs/common';
import { backoffDelay, sleep, waitAtMost, Wakeup } from '@app/async';
import { ScoreClaimRepository, type ClaimedScore, type ClaimLease, type ClaimRequest } from '../ledger/score-claim.repository';
import { CompletionBuffer } from './completion.buffer';
import { DeliveryGroupRunner, type CompletionSink, type GroupHooks } from './delivery-group.runner';
import type { Completion } from './delivery-outcome';
import { PlatformRateLimiter } from './rate-limit/platform-rate-limiter';

export interface ClaimSource {
  claim(request: ClaimRequest): Promise<ClaimedScore[]>;
  renew(claims: ReadonlyArray<{ owner: string; ids: readonly string[] }>, leaseMs: number): Promise<Set<string>>;
}

/** Each platform's current rate in requests/s (PlatformRateLimiter), for sizing claims. */
export interface PlatformRates {
  rateOf(platformId: string): number;
}

export interface DeliveryWorkerSettings {
  batchSize: number;
  /** Rows this process holds at once (claimed, not yet finished). */
  maxRowsInFlight: number;
  /** The claim lease, renewed every quarter of it while rows of the claim are held here. */
  leaseMs: number;
  pollMs: number;
  /** Seconds of a platform's rate claimed ahead. */
  lookaheadSeconds: number;
}
export const DELIVERY_WORKER_SETTINGS = Symbol('DELIVERY_WORKER_SETTINGS');

/**
 * The delivery loop of one process: claim due rows (bounded per platform by
 * its current rate, so a throttled LMS never fills the pipeline), group them
 * by activity and line item, and hand each group to a runner without
 * waiting for it; claim again as soon as there is room.
 */
@Injectable()
export class DeliveryWorker {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly wakeup = new Wakeup();
  private readonly hooks: GroupHooks;
  private readonly perPlatform = new Map<string, number>();
  private readonly groups = new Set<Promise<void>>();
  /** Claims with rows held here (claimed, not yet recorded), by fencing token, with their rows' ids. */
  private readonly claimsHeld = new Map<string, { lease: ClaimLease; ids: string[] }>();
  private inFlight = 0;
  /** The loop waits for rows to finish: only then does a finished row wake it. */
  private waitingForRoom = false;
  private stopping = false;
  private loop?: Promise<void>;
  private renewer?: NodeJS.Timeout;
  private renewing = false;

  constructor(
    @Inject(ScoreClaimRepository) private readonly claims: ClaimSource,
    private readonly runner: DeliveryGroupRunner,
    @Inject(CompletionBuffer) sink: CompletionSink,
    @Inject(PlatformRateLimiter) private readonly rates: PlatformRates,
    @Inject(DELIVERY_WORKER_SETTINGS) private readonly settings: DeliveryWorkerSettings,
  ) {
    // Each finished row is counted before its result goes on, and once the worker stops,
    // rows not yet on the wire go back to the ledger as they were.
    this.hooks = { sink: { add: (c: Completion) => this.finished(c, sink) }, stopping: () => this.stopping };
  }

  start(): void {
    this.loop ??= this.run();
    this.renewer ??= setInterval(() => void this.renew(), Math.max(250, Math.floor(this.settings.leaseMs / 4)));
    this.renewer.unref();
  }

  /** Something became due (a score arrived, a launch woke rows): look now rather than at the next poll. */
  nudge(): void {
    this.wakeup.wake();
  }

  get rowsInFlight(): number {
    return this.inFlight;
  }

  /** Stops claiming and waits (up to `timeoutMs`) for the groups in flight. */
  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.wakeup.wake();
    await this.loop;
    await waitAtMost(Promise.allSettled([...this.groups]), timeoutMs);
    if (this.renewer) clearInterval(this.renewer);
  }

  /**
   * Keeps this process's claims alive, so the lease can be short: a live
   * replica never loses a row it is working on, and a killed one's rows come
   * back one lease after its last renewal. A claim whose rows were all
   * recorded drops out (the database answers which still hold rows).
   */
  private async renew(): Promise<void> {
    if (this.renewing || this.claimsHeld.size === 0) return;
    this.renewing = true;
    const started = Date.now();
    const held = [...this.claimsHeld.entries()].map(([owner, claim]) => ({ owner, ids: claim.ids }));
    try {
      const holding = await this.claims.renew(held, this.settings.leaseMs);
      for (const { owner } of held) {
        const claim = this.claimsHeld.get(owner);
        if (!claim) continue;
        if (holding.has(owner)) claim.lease.until = Math.max(claim.lease.until, started + this.settings.leaseMs);
        else this.claimsHeld.delete(owner);
      }
    } catch (error) {
      this.logger.warn({ err: error, claims: held.length }, 'could not renew delivery leases; rows whose lease lapses are left to other replicas');
    } finally {
      this.renewing = false;
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const room = this.settings.maxRowsInFlight - this.inFlight;
      if (room < Math.min(this.settings.batchSize, this.settings.maxRowsInFlight) / 4) {
        this.waitingForRoom = true;
        await this.wakeup.wait(this.settings.pollMs);
        this.waitingForRoom = false;
        continue;
      }
      const limit = Math.min(room, this.settings.batchSize);
      let rows: ClaimedScore[];
      try {
        rows = await this.claims.claim(this.request(limit));
        failures = 0;
      } catch (error) {
        failures++;
        this.logger.warn({ err: error, failures }, 'could not claim due scores; retrying');
        await sleep(backoffDelay(failures, { baseMs: 400, maxMs: 5_000, jitter: 'equal' }));
        continue;
      }
      if (rows.length === 0) {
        await this.wakeup.wait(this.settings.pollMs);
        continue;
      }
      this.dispatch(rows);
      // A short claim took everything due: claim again when something new is due (a nudge) or at
      // the next poll, not as each row finishes, or a busy replica claims once per post, mostly nothing.
      if (rows.length < limit) await this.wakeup.wait(this.settings.pollMs);
    }
  }

  private request(limit: number): ClaimRequest {
    const caps = new Map<string, number>();
    for (const [platformId, held] of this.perPlatform) {
      caps.set(platformId, Math.max(0, this.capFor(platformId) - held));
    }
    return {
      limit,
      leaseMs: this.settings.leaseMs,
      caps,
      defaultCap: Math.max(1, Math.ceil(this.capFor(undefined))),
      now: Date.now(),
    };
  }

  private capFor(platformId: string | undefined): number {
    const rate = this.rates.rateOf(platformId ?? '');
    return Math.max(1, Math.ceil(rate * this.settings.lookaheadSeconds));
  }

  private dispatch(rows: ClaimedScore[]): void {
    const groups = new Map<string, ClaimedScore[]>();
    for (const row of rows) {
      const claim = this.claimsHeld.get(row.leaseOwner);
      if (claim) claim.ids.push(row.id);
      else this.claimsHeld.set(row.leaseOwner, { lease: row.lease, ids: [row.id] });
      this.inFlight++;
      this.perPlatform.set(row.platformId, (this.perPlatform.get(row.platformId) ?? 0) + 1);
      const key = JSON.stringify([row.platformId, row.contextId, row.resourceLinkId, row.lineItemKey]);
      const group = groups.get(key);
      if (group) group.push(row);
      else groups.set(key, [row]);
    }
    for (const group of groups.values()) {
      const running: Promise<void> = this.runner
        .run(group, this.hooks)
        .catch((error: unknown) => this.logger.error({ err: error }, 'delivery group failed unexpectedly'))
        .finally(() => this.groups.delete(running));
      this.groups.add(running);
    }
  }

  private finished(completion: Completion, sink: CompletionSink): void {
    this.inFlight--;
    const platformId = completion.row.platformId;
    // Kept at zero rather than deleted: the platform's cap must keep following its rate.
    this.perPlatform.set(platformId, Math.max(0, (this.perPlatform.get(platformId) ?? 1) - 1));
    sink.add(completion);
    if (this.waitingForRoom) this.wakeup.wake();
  }
}
