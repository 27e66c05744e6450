import { Inject, Injectable } from '@nestjs/common';
import { sleep } from '@app/async';
import { GRADING_CONFIG } from '../grading.database';
import type { GradingConfig } from '../grading.config';
import type { ResendScope } from '../ledger/ledger-maintenance.repository';
import { LedgerService } from '../ledger/ledger.service';
import { ReofferProgressRepository, type Tally } from '../ledger/reoffer-progress.repository';
import type { Job, JobContext, JobResult } from './job';
import type { RunScope } from './sync-run';

export interface GradeSyncParams {
  /** A forced full resend of a context or one activity, delivered or not (an LMS gradebook that was reset). */
  resend?: ResendScope;
}

/**
 * The nightly grade sync: re-offers every ledger row whose latest value has
 * not been delivered (only what changed), or with `resend` every row of a
 * context, then watches the delivery workers try each one and records how
 * they ended. It delivers nothing itself: the workers keep ordering,
 * leases and rate limits. The re-offer goes through the ledger, which tells
 * delivery the rows are due, so they do not wait for its next poll.
 */
@Injectable()
export class GradeSyncJob implements Job<GradeSyncParams> {
  readonly name = 'grade-sync' as const;

  constructor(
    private readonly ledger: LedgerService,
    private readonly reoffers: ReofferProgressRepository,
    @Inject(GRADING_CONFIG) private readonly config: GradingConfig,
  ) {}

  scopeOf(params: GradeSyncParams): RunScope {
    return params.resend ? { ...params.resend, force: true } : {};
  }

  async execute({ params, signal, log, progress }: JobContext<GradeSyncParams>): Promise<JobResult> {
    const watched = await this.reoffers.snapshot(params.resend);
    const reoffered = params.resend ? await this.ledger.forceResend(params.resend) : await this.ledger.reofferUndelivered();
    const offered = watched.ids.length;
    log.log('grade sync offered rows for delivery', { rowsOffered: offered, rowsMadeDue: reoffered });
    await progress({ rowsOffered: offered }, { rowsMadeDue: reoffered });

    const deadline = Date.now() + this.config.GRADE_SYNC_SETTLE_TIMEOUT_MS;
    let tally = await this.reoffers.tally(watched);
    while (tally.unsettled > 0 && Date.now() < deadline && !signal.aborted) {
      // An abort ends the wait early; the loop then sees the signal.
      await sleep(this.config.GRADE_SYNC_POLL_MS, signal);
      tally = await this.reoffers.tally(watched);
      await progress(countsOf(offered, tally));
    }
    const settled = tally.unsettled === 0;
    if (!settled && !signal.aborted) log.warn('grade sync stopped watching before every row was tried', { unsettled: tally.unsettled });
    return {
      counts: countsOf(offered, tally),
      details: { rowsMadeDue: reoffered, superseded: tally.superseded, waitingForLaunch: tally.waitingForLaunch, retrying: tally.retrying, unsettled: tally.unsettled, settled },
      // Offering is the job; watching is reporting. Stopped while watching, the rows still go out.
      complete: settled,
    };
  }
}

function countsOf(offered: number, tally: Tally) {
  return {
    rowsOffered: offered,
    rowsDelivered: tally.delivered,
    rowsFailed: tally.failed,
    rowsPending: tally.waitingForLaunch + tally.retrying + tally.unsettled,
  };
}
