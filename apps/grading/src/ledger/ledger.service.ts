import { Injectable } from '@nestjs/common';
import type { AuthPrincipal } from '@app/auth';
import { DomainError } from '@app/http';
import { assertPlatformAllowed } from '../common/platform-access';
import { acceptedEventView, type EventView } from './event-state';
import { ScoreEventQueryRepository } from './score-event-query.repository';
import { DeliverySignals } from '../common/delivery-signals';
import { LedgerMaintenanceRepository, type ResendScope } from './ledger-maintenance.repository';
import { LedgerQueryRepository, type ScoreQuery, type ScoreView } from './ledger-query.repository';
import { LedgerWriterRepository, type ApplyResult } from './ledger-writer.repository';
import type { IncomingScore } from './score-identity';

/**
 * The score ledger's use cases: take scores in, show rows and their
 * delivery state, and put rows back in line for the grade sync. Every
 * write that makes rows due tells delivery to look at once.
 */
@Injectable()
export class LedgerService {
  constructor(
    private readonly writer: LedgerWriterRepository,
    private readonly query: LedgerQueryRepository,
    private readonly maintenance: LedgerMaintenanceRepository,
    private readonly signals: DeliverySignals,
    private readonly events: ScoreEventQueryRepository,
  ) {}

  /** Writes a batch of scores; durable when this resolves. */
  async record(scores: IncomingScore[]): Promise<ApplyResult> {
    const result = await this.writer.apply(scores);
    if (result.applied > 0) this.signals.scoresDue();
    return result;
  }

  /** Ledger rows; a platform-scoped key sees only its platforms' (403 when it names another). */
  find(query: ScoreQuery, principal: Pick<AuthPrincipal, 'handle' | 'platforms'>): Promise<{ scores: ScoreView[]; next?: string }> {
    if (query.platformId !== undefined) assertPlatformAllowed(principal, query.platformId);
    return this.query.find(principal.platforms === undefined ? query : { ...query, platformIds: principal.platforms });
  }

  /** What became of one accepted event, HTTP or Kafka; not_found only for an id never accepted. */
  async event(eventId: string, principal: Pick<AuthPrincipal, 'handle' | 'platforms'>): Promise<EventView> {
    const accepted = await this.events.accepted(eventId);
    if (accepted) {
      assertPlatformAllowed(principal, accepted.platformId);
      return acceptedEventView(accepted);
    }
    const letter = await this.events.deadLettered(eventId);
    // A scoped key cannot be shown a dead letter whose platform could not even be read.
    if (!letter || (principal.platforms !== undefined && letter.platformId === null)) throw new DomainError('not_found', `no event ${eventId} was ever accepted`);
    if (letter.platformId !== null) assertPlatformAllowed(principal, letter.platformId);
    const data = letter.payload && typeof letter.payload === 'object' ? (letter.payload as { data?: unknown }).data : undefined;
    return { id: letter.eventId, state: 'dead-lettered', reason: letter.reason, score: data ?? null, receivedAt: letter.createdAt.toISOString(), attempts: 0 };
  }

  /** Re-offers every row whose latest value has not been delivered (the nightly grade sync). */
  async reofferUndelivered(): Promise<number> {
    const count = await this.maintenance.reofferUndelivered();
    if (count > 0) this.signals.scoresDue();
    return count;
  }

  /** Sends a context's (or one activity's) latest values again, delivered or not. */
  async forceResend(scope: ResendScope): Promise<number> {
    const count = await this.maintenance.forceResend(scope);
    if (count > 0) this.signals.scoresDue();
    return count;
  }
}
