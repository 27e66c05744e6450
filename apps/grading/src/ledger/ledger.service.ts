import { Injectable } from '@nestjs/common';
import { DeliverySignals } from '../common/delivery-signals';
import { LedgerMaintenanceRepository, type BacklogStats, type ResendScope } from './ledger-maintenance.repository';
import { LedgerQueryRepository, type ScoreQuery, type ScoreView } from './ledger-query.repository';
import { LedgerWriterRepository, type ApplyResult } from './ledger-writer.repository';
import type { IncomingScore } from './score-identity';

/**
 * The score ledger's use cases: take scores in, show rows and their
 * delivery state, and the operations scheduled jobs build on.
 */
@Injectable()
export class LedgerService {
  constructor(
    private readonly writer: LedgerWriterRepository,
    private readonly query: LedgerQueryRepository,
    private readonly maintenance: LedgerMaintenanceRepository,
    private readonly signals: DeliverySignals,
  ) {}

  /** Writes a batch of scores; durable when this resolves. */
  async record(scores: IncomingScore[]): Promise<ApplyResult> {
    const result = await this.writer.apply(scores);
    if (result.applied > 0) this.signals.scoresDue();
    return result;
  }

  find(query: ScoreQuery): Promise<{ scores: ScoreView[]; next?: string }> {
    return this.query.find(query);
  }

  /** Re-offers every row whose latest value has not been delivered (the nightly grade sync). */
  async reofferUndelivered(options: { includeFailed?: boolean } = {}): Promise<number> {
    const count = await this.maintenance.reofferUndelivered(options);
    if (count > 0) this.signals.scoresDue();
    return count;
  }

  /** Sends a context's (or one activity's) latest values again, delivered or not. */
  async forceResend(scope: ResendScope): Promise<number> {
    const count = await this.maintenance.forceResend(scope);
    if (count > 0) this.signals.scoresDue();
    return count;
  }

  /** Backlog size, oldest pending age, dead letters, rows waiting for a launch. */
  backlog(): Promise<BacklogStats> {
    return this.maintenance.backlog();
  }
}
