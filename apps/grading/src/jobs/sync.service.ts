import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/http';
import { RosterProgressRepository, type ContextResult } from '../rosters/roster-progress.repository';
import { RosterRefreshJob } from '../rosters/roster-refresh.job';
import type { GradeSyncRequest, RosterRefreshRequest, RunQueryParams } from './dto/sync-requests.dto';
import { GradeSyncJob } from './grade-sync.job';
import { JobRunner, type StartOutcome } from './job-runner';
import type { SyncRun } from './sync-run';
import { SyncRunsRepository } from './sync-runs.repository';

export type SyncRunDetail = SyncRun & { contexts?: Array<ContextResult & { carriedOver: boolean; finishedAt: string }> };

/** What the admin endpoints do: start a job now, read the record of runs. */
@Injectable()
export class SyncService {
  constructor(
    private readonly runner: JobRunner,
    private readonly gradeSync: GradeSyncJob,
    private readonly rosterRefresh: RosterRefreshJob,
    private readonly runs: SyncRunsRepository,
    private readonly contexts: RosterProgressRepository,
  ) {}

  async syncGrades(request: GradeSyncRequest): Promise<SyncRun> {
    const resend = request.force ? { platformId: request.platformId!, contextId: request.contextId!, resourceLinkId: request.resourceLinkId } : undefined;
    return started(await this.runner.start(this.gradeSync, { resend }, { trigger: 'admin' }), 'a grade sync');
  }

  async refreshRosters(request: RosterRefreshRequest): Promise<SyncRun> {
    return started(await this.runner.start(this.rosterRefresh, request, { trigger: 'admin' }), 'a roster refresh');
  }

  list(query: RunQueryParams): Promise<{ runs: SyncRun[]; next?: string }> {
    return this.runs.list(query);
  }

  async get(id: string): Promise<SyncRunDetail> {
    const run = await this.runs.get(id);
    if (!run) throw new DomainError('not_found', `no sync run ${id}`);
    if (run.job !== 'roster-refresh') return run;
    return { ...run, contexts: await this.contexts.list(run.id) };
  }
}

function started(outcome: StartOutcome, what: string): SyncRun {
  if (outcome.started) return outcome.run;
  if (outcome.reason === 'busy') {
    throw new DomainError('conflict', outcome.running ? `${what} is already running (run ${outcome.running.id}, started ${outcome.running.startedAt})` : `${what} is already running`);
  }
  if (outcome.reason === 'stopping') throw new DomainError('unavailable', 'this replica is shutting down; try again', 5);
  throw new DomainError('conflict', `${what} already ran for this slot`);
}
