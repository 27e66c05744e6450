import { Inject, Injectable, Logger } from '@nestjs/common';
import { backoffDelay, sleep, waitAtMost } from '@app/async';
import { isTransientError } from '@app/messaging';
import type { CompletionResult, StaleReport } from './delivery-completion.service';
import type { CompletionSink } from './delivery-group.runner';
import type { Completion } from './delivery-outcome';

/** Settles and records a batch of results (DeliveryCompletionService). */
export interface CompletionStore {
  complete(completions: Completion[]): Promise<CompletionResult>;
}

export interface CompletionBufferOptions {
  store: CompletionStore;
  /** Told the contexts whose key must be marked stale at the vault (after the ledger says so). */
  onStale: (report: StaleReport) => Promise<void>;
  /** Called after every recorded batch (metrics, waking the outcome publisher). */
  onRecorded?: (result: CompletionResult) => void;
  /** Results recorded in one transaction at most (500 unless set). */
  maxBatch?: number;
  /** How long the first result of a batch waits for others (50 ms unless set). */
  lingerMs?: number;
}
export const COMPLETION_BUFFER_OPTIONS = Symbol('COMPLETION_BUFFER_OPTIONS');

/**
 * Collects delivery results from every group and records them in batches:
 * one transaction for every result that arrived within `lingerMs`, instead
 * of one per row. A failed write
 * (PostgreSQL restarting) keeps the results and tries again; the leases
 * still guard the rows meanwhile, and a result that outlives its lease is
 * simply not recorded (fenced), so the row is delivered again.
 */
@Injectable()
export class CompletionBuffer implements CompletionSink {
  private readonly logger = new Logger(CompletionBuffer.name);
  private readonly pending: Completion[] = [];
  private timer?: NodeJS.Timeout;
  private timerDue = 0;
  private flushing?: Promise<void>;
  private failures = 0;
  private closed = false;

  constructor(@Inject(COMPLETION_BUFFER_OPTIONS) private readonly options: CompletionBufferOptions) {}

  private get maxBatch(): number {
    return this.options.maxBatch ?? 500;
  }

  /** How long a result waits for others: recording is off the delivery path (the leases guard the rows). */
  private get lingerMs(): number {
    return this.options.lingerMs ?? 50;
  }

  add(completion: Completion): void {
    this.pending.push(completion);
    if (this.pending.length >= this.maxBatch) this.kick(0);
    else this.kick(this.lingerMs);
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
        // What came in during the flush gathers for another linger, unless a full batch is waiting.
        if (this.failures > 0) this.kick(backoffDelay(this.failures, { baseMs: 500, maxMs: 5_000, jitter: 'equal' }));
        else if (this.pending.length >= this.maxBatch) this.kick(0);
        else if (this.pending.length > 0) this.kick(this.lingerMs);
      });
    }, delayMs);
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, this.maxBatch);
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
    const result = await this.options.store.complete(batch);
    if (result.fenced > 0) this.logger.warn({ fenced: result.fenced }, 'results arrived after their lease passed to another claimer; not recorded');
    this.options.onRecorded?.(result);
    for (const report of result.staleContexts) {
      this.options.onStale(report).catch((error: unknown) => this.logger.warn({ ...report.triple, err: error }, 'could not mark the serviceKey stale at the vault'));
    }
  }
}
