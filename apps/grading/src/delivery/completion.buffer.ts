import { Logger } from '@nestjs/common';
import { isTransientError } from '@app/messaging';
import type { ContextState } from '../contexts/contexts.repository';
import { sleep, waitAtMost } from '../common/wakeup';
import type { CompletionSink } from './delivery-group.runner';
import type { CompletionResult, StaleReport } from './delivery-completion.repository';
import type { Completion } from './delivery-outcome';
import type { Settled } from './settle';

export interface CompletionStore {
  complete(completions: Completion[], settle: (completions: Completion[], contexts: Map<string, ContextState>) => Settled[]): Promise<CompletionResult>;
}

export interface CompletionBufferOptions {
  store: CompletionStore;
  settle: (completions: Completion[], contexts: Map<string, ContextState>) => Settled[];
  /** Told the contexts whose key must be marked stale at the vault (after the ledger says so). */
  onStale: (report: StaleReport) => Promise<void>;
  /** Called after every recorded batch (metrics, waking the outcome publisher). */
  onRecorded?: (result: CompletionResult) => void;
  maxBatch?: number;
  lingerMs?: number;
}

/**
 * Collects delivery results from every group and records them in batches:
 * one transaction per ~200 rows instead of one per row. A failed write
 * (PostgreSQL restarting) keeps the results and tries again; the leases
 * still guard the rows meanwhile, and a result that outlives its lease is
 * simply not recorded (fenced), so the row is delivered again.
 */
export class CompletionBuffer implements CompletionSink {
  private readonly logger = new Logger(CompletionBuffer.name);
  private readonly pending: Completion[] = [];
  private timer?: NodeJS.Timeout;
  private timerDue = 0;
  private flushing?: Promise<void>;
  private failures = 0;
  private closed = false;

  constructor(private readonly options: CompletionBufferOptions) {}

  add(completion: Completion): void {
    this.pending.push(completion);
    if (this.pending.length >= (this.options.maxBatch ?? 200)) this.kick(0);
    else this.kick(this.options.lingerMs ?? 20);
  }

  get size(): number {
    return this.pending.length;
  }

  /** Stops recording: what is left is covered by its leases and will be delivered again. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Records everything collected so far; gives up after `timeoutMs` (the leases cover what is left). */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.pending.length > 0 || this.flushing) && Date.now() < deadline) {
      this.kick(0);
      await waitAtMost(this.flushing ?? sleep(10), 100);
    }
  }

  /** Schedules a flush in `delayMs`, unless one is already due sooner. */
  private kick(delayMs: number): void {
    if (this.flushing || this.closed) return;
    const due = Date.now() + delayMs;
    if (this.timer && this.timerDue <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
        if (this.pending.length > 0) this.kick(this.failures > 0 ? Math.min(5_000, 250 * 2 ** this.failures) : 0);
      });
    }, delayMs);
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, this.options.maxBatch ?? 500);
    if (batch.length === 0) return;
    try {
      await this.record(batch);
      this.failures = 0;
    } catch (error) {
      if (isTransientError(error)) {
        this.failures++;
        this.pending.unshift(...batch);
        this.logger.warn({ err: error, rows: batch.length, failures: this.failures }, 'could not record delivery results; will retry');
        return;
      }
      // The database refuses something in the batch itself: record the results one by one, so one
      // bad result cannot hold up the rest forever.
      for (const [i, one] of batch.entries()) {
        try {
          await this.record([one]);
        } catch (alone) {
          if (isTransientError(alone)) {
            this.failures++;
            this.pending.unshift(...batch.slice(i));
            return;
          }
          // Its lease runs out and the row is delivered again; nothing is lost.
          this.logger.error({ err: alone, rowId: one.row.id }, 'could not record a delivery result; the row will be delivered again when its lease ends');
        }
      }
    }
  }

  private async record(batch: Completion[]): Promise<void> {
    const result = await this.options.store.complete(batch, this.options.settle);
    if (result.fenced > 0) this.logger.warn({ fenced: result.fenced }, 'results arrived after their lease passed to another claimer; not recorded');
    this.options.onRecorded?.(result);
    for (const report of result.staleContexts) {
      this.options.onStale(report).catch((error: unknown) => this.logger.warn({ ...report.triple, err: error }, 'could not mark the serviceKey stale at the vault'));
    }
  }
}
