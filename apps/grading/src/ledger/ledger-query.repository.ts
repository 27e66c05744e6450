import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { LineItemSelector } from '@app/contracts';
import { SCORE_STATUS, type ScoreStatus } from './score-status';

export interface ScoreQuery {
  platformId?: string;
  /** Only rows of these platforms (a platform-scoped key's). */
  platformIds?: readonly string[];
  contextId?: string;
  resourceLinkId?: string;
  userId?: string;
  status?: ScoreStatus;
  /** Rows with an id greater than this (the `next` cursor of the previous page). */
  after?: string;
  limit: number;
  /** Most recent attempts returned per row. */
  attemptsPerRow: number;
}

export interface AttemptView {
  at: string;
  version: number;
  timestamp: string;
  outcome: string;
  statusCode: number | null;
  message: string | null;
  lineItemId: string | null;
}

export interface ScoreView {
  id: string;
  platformId: string;
  contextId: string;
  resourceLinkId: string;
  userId: string;
  lineItem: LineItemSelector | null;
  lineItemId: string | null;
  score: {
    scoreGiven: number | null;
    scoreMaximum: number | null;
    activityProgress: string;
    gradingProgress: string;
    comment: string | null;
    timestamp: string;
  };
  eventId: string;
  version: number;
  status: ScoreStatus;
  /** True while a delivery of this row is in flight. */
  inFlight: boolean;
  dueAt: string | null;
  attempts: number;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  delivered: { version: number; timestamp: string; at: string } | null;
  receivedAt: string;
  history: AttemptView[];
}

interface ScoreRow {
  id: string;
  platform_id: string;
  context_id: string;
  resource_link_id: string;
  user_id: string;
  line_item: LineItemSelector | null;
  line_item_id: string | null;
  score_given: number | null;
  score_maximum: number | null;
  activity_progress: string;
  grading_progress: string;
  comment: string | null;
  timestamp: string;
  event_id: string;
  version: string;
  status: ScoreStatus;
  in_flight: boolean;
  due_at: Date;
  attempts: number;
  last_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_version: string | null;
  delivered_timestamp: string | null;
  delivered_at: Date | null;
  received_at: Date;
}

interface AttemptRow {
  score_id: string;
  attempted_at: Date;
  version: string;
  timestamp: string;
  outcome: string;
  status_code: number | null;
  message: string | null;
  line_item_id: string | null;
}

/** Ledger rows with their delivery state and recent attempts, for `GET /v1/scores`. */
@Injectable()
export class LedgerQueryRepository {
  constructor(private readonly db: DataSource) {}

  async find(query: ScoreQuery): Promise<{ scores: ScoreView[]; next?: string }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.platformId !== undefined) add('platform_id = ?', query.platformId);
    if (query.platformIds !== undefined) add('platform_id = ANY(?::text[])', query.platformIds);
    if (query.contextId !== undefined) add('context_id = ?', query.contextId);
    if (query.resourceLinkId !== undefined) add('resource_link_id = ?', query.resourceLinkId);
    if (query.userId !== undefined) add('user_id = ?', query.userId);
    if (query.status !== undefined) add('status = ?', query.status);
    if (query.after !== undefined) add('s.id > ?::bigint', query.after);
    params.push(query.limit + 1);
    const rows: ScoreRow[] = await this.db.query(
      `SELECT id::text, platform_id, context_id, resource_link_id, user_id, line_item, line_item_id, score_given, score_maximum,
              activity_progress, grading_progress, comment, "timestamp", event_id, version::text, status,
              COALESCE(lease_until > now(), false) AS in_flight, due_at, attempts, last_attempt_at, last_status_code, last_error,
              delivered_version::text, delivered_timestamp, delivered_at, received_at
       FROM grading.scores s ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY s.id LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, query.limit);
    const history = await this.attempts(
      page.map((r) => r.id),
      query.attemptsPerRow,
    );
    return {
      scores: page.map((r) => toView(r, history.get(r.id) ?? [])),
      ...(rows.length > query.limit ? { next: page[page.length - 1].id } : {}),
    };
  }

  private async attempts(ids: string[], perRow: number): Promise<Map<string, AttemptView[]>> {
    const out = new Map<string, AttemptView[]>();
    if (ids.length === 0 || perRow === 0) return out;
    const rows: AttemptRow[] = await this.db.query(
      `SELECT a.score_id::text, a.attempted_at, a.version::text, a."timestamp", a.outcome, a.status_code, a.message, a.line_item_id
       FROM unnest($1::bigint[]) AS ids(id)
       CROSS JOIN LATERAL (
         SELECT * FROM grading.score_attempts t WHERE t.score_id = ids.id ORDER BY t.id DESC LIMIT $2
       ) a
       ORDER BY a.score_id, a.id`,
      [ids, perRow],
    );
    for (const r of rows) {
      const list = out.get(r.score_id) ?? [];
      list.push({
        at: r.attempted_at.toISOString(),
        version: Number(r.version),
        timestamp: r.timestamp,
        outcome: r.outcome,
        statusCode: r.status_code,
        message: r.message,
        lineItemId: r.line_item_id,
      });
      out.set(r.score_id, list);
    }
    return out;
  }
}

function toView(r: ScoreRow, history: AttemptView[]): ScoreView {
  return {
    id: r.id,
    platformId: r.platform_id,
    contextId: r.context_id,
    resourceLinkId: r.resource_link_id,
    userId: r.user_id,
    lineItem: r.line_item,
    lineItemId: r.line_item_id,
    score: {
      scoreGiven: r.score_given,
      scoreMaximum: r.score_maximum,
      activityProgress: r.activity_progress,
      gradingProgress: r.grading_progress,
      comment: r.comment,
      timestamp: r.timestamp,
    },
    eventId: r.event_id,
    version: Number(r.version),
    status: r.status,
    inFlight: r.in_flight,
    dueAt: r.status === SCORE_STATUS.pending ? r.due_at.toISOString() : null,
    attempts: r.attempts,
    lastAttemptAt: r.last_attempt_at?.toISOString() ?? null,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    delivered:
      r.delivered_version !== null && r.delivered_timestamp !== null && r.delivered_at !== null
        ? { version: Number(r.delivered_version), timestamp: r.delivered_timestamp, at: r.delivered_at.toISOString() }
        : null,
    receivedAt: r.received_at.toISOString(),
    history,
  };
}
