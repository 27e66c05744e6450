import { Inject, Injectable } from '@nestjs/common';
import { ContextAuth } from '../auth/auth.service';
import { Clock } from '../clock/clock';
import { LtiaasError } from '../common/ltiaas.error';
import { compareInstants, PreciseInstant } from '../common/timestamp';
import { offsetParam, pageUrl, readPageUrl, slicePage } from '../common/paging';
import { EMULATOR_CONFIG, EmulatorConfig } from '../config/emulator.config';
import { Counters } from '../inspection/counters';
import { ContextAccess } from '../lms/context-access';
import { EmulatorUrls } from '../lms/emulator-urls';
import { GradebookStore } from '../lms/gradebook.store';
import { GradeRecord, LineItem } from '../lms/lms.types';
import { RegistryStore } from '../lms/registry.store';
import { isLearner } from '../lms/roles';
import { ResultList, ResultView, ResultsQuery, ScoreBody } from './score.dto';
import { canvasError, checkTimestamp } from './timestamp-policy';

/** Score writes (AGS Score service) and reads (Result service, `GET …/scores`). */
@Injectable()
export class ScoresService {
  constructor(
    @Inject(EMULATOR_CONFIG) private readonly config: EmulatorConfig,
    private readonly access: ContextAccess,
    private readonly gradebook: GradebookStore,
    private readonly registry: RegistryStore,
    private readonly urls: EmulatorUrls,
    private readonly clock: Clock,
    private readonly counters: Counters,
  ) {}

  post(caller: ContextAuth, lineItemId: string, score: ScoreBody): void {
    const item = this.access.lineItem(caller, lineItemId);
    const member = this.access.course(caller).members.get(score.userId);
    // Canvas: unknown users and non-students are refused with 422 (canvas-lms #1659).
    if (!member || member.status !== 'Active' || !isLearner(member.roles)) {
      this.counters.scoresRefused++;
      throw LtiaasError.fromLms(
        422,
        canvasError('unprocessable_entity', 'User not found in course or is not a student'),
        this.urls.underLineItem(item.id, 'scores'),
      );
    }
    const existing = this.gradebook.grade(item.id, score.userId);
    const mode = this.registry.settingsOf(item.platformId).timestampMode;
    let instant: PreciseInstant | null;
    try {
      ({ instant } = checkTimestamp(mode, score.timestamp, existing, item.id, score.userId, () => this.urls.underLineItem(item.id, 'scores')));
    } catch (refusal) {
      this.counters.scoresRefused++;
      if (existing) existing.refusedWrites++;
      throw refusal;
    }
    if (instant && existing?.instant && compareInstants(instant, existing.instant) < 0) this.counters.scoreRegressions++;
    this.gradebook.putGrade({
      lineItemId: item.id,
      platformId: item.platformId,
      contextId: item.contextId,
      userId: score.userId,
      scoreGiven: score.scoreGiven ?? null,
      scoreMaximum: score.scoreMaximum ?? null,
      activityProgress: score.activityProgress,
      gradingProgress: score.gradingProgress,
      // AGS: a score without a comment clears the comment on record.
      comment: score.comment ?? null,
      timestamp: score.timestamp ?? null,
      instant: instant ?? existing?.instant ?? null,
      stampedAt: new Date(this.clock.now()).toISOString(),
      writes: (existing?.writes ?? 0) + 1,
      refusedWrites: existing?.refusedWrites ?? 0,
    });
    this.counters.scoresAccepted++;
  }

  results(caller: ContextAuth, lineItemId: string, query: ResultsQuery): ResultList {
    const item = this.access.lineItem(caller, lineItemId);
    const base = this.urls.underLineItem(item.id, 'results');
    let userId = query.userId;
    let from = 0;
    let limit = query.limit;
    if (query.url !== undefined) {
      const params = readPageUrl(query.url, base);
      userId = params.get('user_id') ?? undefined;
      from = offsetParam(params, 'from');
      limit = offsetParam(params, 'limit') || undefined;
    }
    const size = Math.min(limit ?? this.config.pageSize, this.config.pageSize);
    const records = this.gradebook.gradesOf(item.id).filter((r) => userId === undefined || r.userId === userId);
    const page = slicePage(records, from, size);
    const mode = this.registry.settingsOf(item.platformId).timestampMode;
    const list: ResultList = { scores: page.items.map((r) => this.toResult(item, r, mode === 'stamped')) };
    if (page.nextFrom !== undefined) list.next = pageUrl(base, { user_id: userId, limit: size, from: page.nextFrom });
    return list;
  }

  private toResult(item: LineItem, record: GradeRecord, stamped: boolean): ResultView {
    const view: ResultView = {
      id: this.urls.underLineItem(item.id, `results/${encodeURIComponent(record.userId)}`),
      userId: record.userId,
      scoreOf: item.id,
      // What the LMS recorded: LTIAAS's arrival stamp, or the tool's own timestamp on strict platforms.
      timestamp: stamped ? record.stampedAt : (record.timestamp ?? record.stampedAt),
      resultMaximum: record.scoreMaximum ?? item.scoreMaximum,
    };
    if (record.scoreGiven !== null) view.resultScore = record.scoreGiven;
    if (record.comment !== null) view.comment = record.comment;
    return view;
  }
}
