import { Injectable } from '@nestjs/common';
import type { ContextTriple } from '@app/contracts';

export interface DeliverySignalListener {
  scoresDue(): void;
  relaunched(triples: ContextTriple[]): void;
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
}
