import { Inject, Injectable } from '@nestjs/common';
import { GRADING_CONFIG } from '../grading.database';
import type { GradingConfig } from '../grading.config';
import type { Job, JobContext, JobResult } from '../jobs/job';
import type { RunCounts, RunScope } from '../jobs/sync-run';
import { GradingMetrics } from '../metrics/grading-metrics';
import { RosterContextsRepository, type RosterContext } from './roster-contexts.repository';
import { courseKey, RosterProgressRepository, type ContextResult } from './roster-progress.repository';
import { RosterRefreshService } from './roster-refresh.service';

export interface RosterRefreshParams {
  platformId?: string;
  contextId?: string;
}

/**
 * The roster refresh: every course launched with NRPS within
 * ROSTER_ACTIVE_DAYS (or the one an admin names), several at once
 * (ROSTER_CONCURRENCY). Each finished course is written to the run's
 * checkpoint, so a run cut short is resumed by the next one without
 * refetching what it already did.
 */
@Injectable()
export class RosterRefreshJob implements Job<RosterRefreshParams> {
  readonly name = 'roster-refresh' as const;

  constructor(
    private readonly contexts: RosterContextsRepository,
    private readonly checkpoint: RosterProgressRepository,
    private readonly service: RosterRefreshService,
    private readonly metrics: GradingMetrics,
    @Inject(GRADING_CONFIG) private readonly config: GradingConfig,
  ) {}

  scopeOf(params: RosterRefreshParams): RunScope {
    const scope: RunScope = {};
    if (params.platformId !== undefined) scope.platformId = params.platformId;
    if (params.contextId !== undefined) scope.contextId = params.contextId;
    return scope;
  }

  async execute({ run, params, resumedFrom, signal, log, progress }: JobContext<RosterRefreshParams>): Promise<JobResult> {
    const all = await this.contexts.list({ activeDays: this.config.ROSTER_ACTIVE_DAYS, ...params });
    const carried = resumedFrom ? await this.checkpoint.carryOver(resumedFrom.id, run.id) : new Set<string>();
    const todo = all.filter((c) => !carried.has(courseKey(c.platformId, c.contextId)));
    const counts: Partial<RunCounts> = { contextsTotal: all.length, contextsDone: 0, contextsSkipped: 0, contextsFailed: 0, membersSeen: 0, membersDeactivated: 0 };
    let eventsUnpublished = 0;
    log.log('roster refresh planned', { contexts: all.length, resumedContexts: all.length - todo.length, resumedFrom: resumedFrom?.id });
    await progress(counts, { resumedContexts: all.length - todo.length });

    const add = (result: ContextResult) => {
      if (result.outcome === 'refreshed') counts.contextsDone! += 1;
      else if (result.outcome === 'skipped') counts.contextsSkipped! += 1;
      else counts.contextsFailed! += 1;
      counts.membersSeen! += result.members;
      counts.membersDeactivated! += result.deactivated;
    };

    let next = 0;
    const worker = async () => {
      while (!signal.aborted && next < todo.length) {
        const course = todo[next++];
        const result = await this.refreshOne(run.id, course, log, signal);
        if ('eventPublished' in result && result.outcome === 'refreshed' && !result.eventPublished) eventsUnpublished++;
        await this.checkpoint.record(run.id, result);
        this.metrics.rosterContext(result.outcome, result.members, result.deactivated);
        add(result);
        await progress(counts);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.ROSTER_CONCURRENCY, todo.length) }, worker));

    // Carried-over contexts count as this run's too: its record covers the whole scope.
    for (const c of await this.checkpoint.list(run.id, Number.MAX_SAFE_INTEGER)) if (c.carriedOver) add(c);
    const complete = next >= todo.length;
    const failed = counts.contextsFailed ?? 0;
    return {
      counts,
      details: { resumedContexts: all.length - todo.length, eventsUnpublished },
      complete,
      failure: complete && failed > 0 ? `${failed} of ${all.length} contexts failed; their previous rosters are kept` : undefined,
    };
  }

  private async refreshOne(runId: string, course: RosterContext, log: JobContext<unknown>['log'], signal: AbortSignal): Promise<ContextResult & { eventPublished?: boolean }> {
    try {
      return await this.service.refresh({ runId, log, signal }, course);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      log.error('roster refresh of a context failed', error, { platformId: course.platformId, contextId: course.contextId });
      return { platformId: course.platformId, contextId: course.contextId, outcome: 'failed', members: 0, active: 0, deactivated: 0, pages: 0, reason };
    }
  }
}
