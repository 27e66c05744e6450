import type { ContextTriple, LineItemSelector, ScoreReadyData } from '@app/contracts';

/** A ScoreReady as the ledger takes it in: its event id, where it came from, and the validated data. */
export interface IncomingScore {
  eventId: string;
  source: string;
  data: ScoreReadyData;
  /** The handle of the API key that submitted it over HTTP; absent for events published to Kafka directly. */
  submittedBy?: string;
  correlationId?: string;
}

/**
 * Which line item of the resource link a score is for, as a stable string:
 * '' when the score names none (the launch's own line item), otherwise the
 * identifying fields of the selector. `scoreMaximum` only matters when the
 * line item is created, so it is not part of the identity.
 */
export function lineItemKey(selector: LineItemSelector | undefined): string {
  if (!selector) return '';
  const { resourceId, tag, label } = selector;
  if (resourceId === undefined && tag === undefined && label === undefined) return '';
  return JSON.stringify([resourceId ?? null, tag ?? null, label ?? null]);
}

/** The ledger row a score belongs to. */
export interface ScoreIdentity extends ContextTriple {
  lineItemKey: string;
  userId: string;
}

export function identityOf(data: ScoreReadyData): ScoreIdentity {
  return {
    platformId: data.platformId,
    contextId: data.contextId,
    resourceLinkId: data.resourceLinkId,
    lineItemKey: lineItemKey(data.lineItem),
    userId: data.userId,
  };
}

export function identityKey(id: ScoreIdentity): string {
  return JSON.stringify([id.platformId, id.contextId, id.resourceLinkId, id.lineItemKey, id.userId]);
}
