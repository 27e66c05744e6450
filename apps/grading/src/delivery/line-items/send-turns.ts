import { Inject, Injectable } from '@nestjs/common';
import { LineItemSendsRepository, type SendTurn, type SendTurnRequest } from './line-item-sends.repository';

/** The shared turns, as the batcher needs them (LineItemSendsRepository). */
export interface SendTurnStore {
  take(requests: SendTurnRequest[], holdMs: number): Promise<SendTurn[]>;
}

/** How long a turn holds if its sender never gives it back (sendMarginMs plus TURN_START_WINDOW_MS). */
export const SEND_TURN_HOLD_MS = Symbol('SEND_TURN_HOLD_MS');

/**
 * A turn is taken while its row waits for a request slot; its post must
 * begin within this long, or the turn is given back unused, so that the
 * hold still covers the longest post.
 */
export const TURN_START_WINDOW_MS = 2_000;

/**
 * Asks for send turns in batches: every post that is ready in the same tick
 * shares one round trip to the database, so guarding each post costs the
 * pipeline a statement per batch rather than one per score. Two requests
 * for the same (line item, user) in one batch: the newest asks, the others
 * are `busy` and come back shortly.
 */
@Injectable()
export class SendTurns {
  private queue: Array<{ request: SendTurnRequest; resolve: (turn: SendTurn) => void; reject: (error: unknown) => void }> = [];
  private scheduled = false;

  constructor(
    @Inject(LineItemSendsRepository) private readonly store: SendTurnStore,
    /** How long a turn holds if its sender never gives it back: the longest a post can last. */
    @Inject(SEND_TURN_HOLD_MS) private readonly holdMs: number,
  ) {}

  take(request: SendTurnRequest): Promise<SendTurn> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    const newest = new Map<string, (typeof batch)[number]>();
    const busy: typeof batch = [];
    for (const entry of batch) {
      const r = entry.request;
      const key = JSON.stringify([r.platformId, r.contextId, r.lineItemId, r.userId]);
      const other = newest.get(key);
      if (!other) newest.set(key, entry);
      else if (BigInt(r.timestampNs) > BigInt(other.request.timestampNs)) {
        busy.push(other);
        newest.set(key, entry);
      } else busy.push(entry);
    }
    for (const entry of busy) entry.resolve('busy');
    const asking = [...newest.values()];
    try {
      const turns = await this.store.take(asking.map((e) => e.request), this.holdMs);
      asking.forEach((entry, i) => entry.resolve(turns[i]));
    } catch (error) {
      for (const entry of asking) entry.reject(error);
    }
  }
}
