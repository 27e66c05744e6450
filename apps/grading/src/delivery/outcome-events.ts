import { randomUUID } from 'node:crypto';
import { contextKey, envelope, EVENT_SOURCES, SCORE_DELIVERED_V1, SCORE_FAILED_V1, type ScoreOutcomeData } from '@app/contracts';
import type { CompletedRow } from '../ledger/score-completion.repository';
import type { Settled } from './settle';

/**
 * The ScoreDelivered / ScoreFailed events announcing settled values, keyed
 * by context so each activity's events stay in order; each names the
 * ScoreReady it answers (the one whose value was claimed).
 */
export function outcomeEvents(settled: Settled[], updated: Map<string, CompletedRow>): Array<{ key: string; event: unknown }> {
  return settled.map((s) => {
    const { source } = s.row;
    const data: ScoreOutcomeData = {
      platformId: s.row.platformId,
      contextId: s.row.contextId,
      resourceLinkId: s.row.resourceLinkId,
      scoreId: s.row.id,
      userId: s.row.userId,
      timestamp: s.row.score.timestamp,
      outcome: s.kind === 'delivered' ? 'delivered' : s.kind === 'superseded' ? 'superseded' : 'failed',
      attempts: updated.get(s.row.id)?.attempts ?? s.row.attempts + 1,
      ...(s.lineItemId ? { lineItemId: s.lineItemId } : {}),
      ...(s.statusCode !== null ? { statusCode: s.statusCode } : {}),
      ...(s.message ? { reason: s.message.slice(0, 4000) } : {}),
      eventId: source.eventId,
      ...(source.correlationId ? { correlationId: source.correlationId } : {}),
    };
    const type = data.outcome === 'failed' ? SCORE_FAILED_V1 : SCORE_DELIVERED_V1;
    return { key: contextKey(s.row), event: envelope(type, EVENT_SOURCES.gradingDelivery, data, { id: randomUUID(), correlationId: source.correlationId ?? undefined }) };
  });
}
