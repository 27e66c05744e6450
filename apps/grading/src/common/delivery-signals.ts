import { Injectable } from '@nestjs/common';
import type { ContextTriple } from '@app/contracts';
import type { ClaimedScore, ClaimRequest } from '../ledger/score-claim.repository';

/**
 * Delivery's offer to take rows as ingest writes them: the claim it would
 * make now, and where the rows leased so go (called once, with the rows or
 * with none, whether or not the write succeeded).
 */
export interface WriteClaim {
  request: ClaimRequest;
  adopt(rows: ClaimedScore[]): void;
}

export interface DeliverySignalListener {
  scoresDue(): void;
  relaunched(triples: ContextTriple[]): void;
  /** A claim for rows about to be written, when delivery runs and has room. */
  claimOnWrite?(): WriteClaim | undefined;
}

/**
 * In-process notices from ingest and launches to delivery, so that the
 * delivery loop looks at once instead of at its next poll (other replicas
 * find the rows by polling), without ingest depending on delivery.
 */
@Injectable()
export class DeliverySignals {
  private readonly listeners = new Set<DeliverySignalListener>();

  subscribe(listener: DeliverySignalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  scoresDue(): void {
    for (const l of this.listeners) l.scoresDue();
  }

  relaunched(triples: ContextTriple[]): void {
    for (const l of this.listeners) l.relaunched(triples);
  }

  /** The first listener's offer to claim rows as they are written, if any. */
  claimOnWrite(): WriteClaim | undefined {
    for (const l of this.listeners) {
      const claim = l.claimOnWrite?.();
      if (claim) return claim;
    }
    return undefined;
  }
}
