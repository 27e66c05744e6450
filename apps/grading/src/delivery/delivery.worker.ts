import { Logger } from '@nestjs/common';
import { sleep, waitAtMost, Wakeup } from '../common/wakeup';
import { DeliveryGroupRunner, type CompletionSink, type GroupRunnerDeps } from './delivery-group.runner';
import type { ClaimedScore, Completion } from './delivery-outcome';
import type { ClaimRequest } from './score-claim.repository';

export interface ClaimSource {
  claim(request: ClaimRequest): Promise<ClaimedScore[]>;
}

export interface DeliveryWorkerSettings {
  batchSize: number;
  /** Rows this process holds at once (claimed, not yet finished). */
  maxRowsInFlight: number;
  leaseMs: number;
  /** A row must start sending this long before its lease ends. */
  sendMarginMs: number;
  pollMs: number;
  /** Seconds of a platform's rate claimed ahead. */
  lookaheadSeconds: number;
}

/**
 * The delivery loop of one process: claim due rows (bounded per platform by
 * its current rate, so a throttled LMS never fills the pipeline), group them
 * by activity and line item, and hand each group to a runner without
 * waiting for it; claim again as soon as there is room.
 */
export class DeliveryWorker {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly wakeup = new Wakeup();
  private readonly runner: DeliveryGroupRunner;
  private readonly perPlatform = new Map<string, number>();
  private readonly groups = new Set<Promise<void>>();
  private inFlight = 0;
  private stopping = false;
  private loop?: Promise<void>;

  constructor(
    private readonly claims: ClaimSource,
    runnerDeps: Omit<GroupRunnerDeps, 'sink'> & { sink: CompletionSink },
    private readonly rateOf: (platformId: string) => number,
    private readonly settings: DeliveryWorkerSettings,
  ) {
    const sink = runnerDeps.sink;
    this.runner = new DeliveryGroupRunner({ ...runnerDeps, sink: { add: (c: Completion) => this.finished(c, sink) } });
  }

  start(): void {
    this.loop ??= this.run();
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
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const room = this.settings.maxRowsInFlight - this.inFlight;
      if (room < Math.min(this.settings.batchSize, this.settings.maxRowsInFlight) / 4) {
        await this.wakeup.wait(this.settings.pollMs);
        continue;
      }
      let rows: ClaimedScore[];
      try {
        rows = await this.claims.claim(this.request(Math.min(room, this.settings.batchSize)));
        failures = 0;
      } catch (error) {
        failures++;
        this.logger.warn({ err: error, failures }, 'could not claim due scores; retrying');
        await sleep(Math.min(5_000, 200 * 2 ** failures));
        continue;
      }
      if (rows.length === 0) {
        await this.wakeup.wait(this.settings.pollMs);
        continue;
      }
      this.dispatch(rows);
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
      sendMarginMs: this.settings.sendMarginMs,
    };
  }

  private capFor(platformId: string | undefined): number {
    const rate = platformId === undefined ? this.rateOf('') : this.rateOf(platformId);
    return Math.max(1, Math.ceil(rate * this.settings.lookaheadSeconds));
  }

  private dispatch(rows: ClaimedScore[]): void {
    const groups = new Map<string, ClaimedScore[]>();
    for (const row of rows) {
      this.inFlight++;
      this.perPlatform.set(row.platformId, (this.perPlatform.get(row.platformId) ?? 0) + 1);
      const key = JSON.stringify([row.platformId, row.contextId, row.resourceLinkId, row.lineItemKey]);
      const group = groups.get(key);
      if (group) group.push(row);
      else groups.set(key, [row]);
    }
    for (const group of groups.values()) {
      const running: Promise<void> = this.runner
        .run(group)
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
    this.wakeup.wake();
  }
}
