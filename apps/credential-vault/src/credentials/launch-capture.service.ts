import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LaunchSignatureVerifier } from '@app/auth';
import { contextKey, epochNanos, type ContextTriple, type LaunchCapturedEvent } from '@app/contracts';
import { AuditLog } from '../audit/audit.log';
import { LaunchContextRepository } from '../contexts/launch-context.repository';
import { EnvelopeCipher } from '../crypto/envelope-cipher';
import type { SealedSecret } from '../crypto/sealed-secret';
import { SealError, SealOpener } from '../crypto/seal-opener';
import { AppliedLaunchEventsRepository } from './applied-launch-events.repository';
import { serviceKeyAad } from './service-key.aad';
import { ServiceKeyRepository } from './service-key.repository';

export interface CapturedLaunch {
  /** The caller's handle on the item, returned with a rejection (the Kafka offset). */
  ref: string;
  event: LaunchCapturedEvent;
}

export interface CaptureRejection {
  ref: string;
  reason: string;
}

const ACTOR = 'consumer:credential-vault';
/** Clock skew between launch replicas and the vault that is taken as it is. */
const FUTURE_TOLERANCE_MS = 60_000;

/**
 * Stores what launches captured: the context facts, and the serviceKey
 * re-encrypted at rest. Refused with the reason, the rest of the batch
 * stored: an event launch did not sign (or whose signed claims are not the
 * event's), an event id applied before (a replay), a seal that does not
 * open or is bound to another context than its event names. Anyone who can
 * write the topic can seal to the public seal key; only launch can sign.
 * Storage failures throw (the batch is retried in one transaction, the
 * applied ids with it).
 */
@Injectable()
export class LaunchCaptureService {
  private readonly logger = new Logger(LaunchCaptureService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly opener: SealOpener,
    private readonly signatures: LaunchSignatureVerifier,
    private readonly applied: AppliedLaunchEventsRepository,
    private readonly cipher: EnvelopeCipher,
    private readonly keys: ServiceKeyRepository,
    private readonly contexts: LaunchContextRepository,
    private readonly audit: AuditLog,
  ) {}

  async captureBatch(items: readonly CapturedLaunch[]): Promise<{ rejected: CaptureRejection[] }> {
    const rejected: CaptureRejection[] = [];
    const accepted: Array<{ item: CapturedLaunch; sealed?: SealedSecret }> = [];
    for (const item of items) {
      const signature = await this.signatures.verify(item.event);
      if (!signature.ok) {
        rejected.push({ ref: item.ref, reason: signature.reason });
        continue;
      }
      const opened = await this.reseal(item.event);
      if ('reason' in opened) rejected.push({ ref: item.ref, reason: opened.reason });
      else accepted.push({ item, sealed: opened.sealed });
    }
    if (accepted.length) rejected.push(...(await this.dataSource.transaction((manager) => this.store(accepted, manager))));
    for (const r of rejected) this.logger.warn({ ref: r.ref, reason: r.reason }, 'LaunchCaptured refused');
    return { rejected };
  }

  /** The serviceKey out of its transit seal and into its at-rest envelope; the plaintext lives only in between. */
  private async reseal(event: LaunchCapturedEvent): Promise<{ sealed?: SealedSecret } | { reason: string }> {
    const sealedInTransit = event.data.sealedServiceKey;
    if (!sealedInTransit) return {};
    try {
      const opened = await this.opener.open(sealedInTransit);
      if (!sameTriple(opened.ctx, event.data)) {
        return { reason: `sealed serviceKey is bound to context ${contextKey(opened.ctx)}, not to the event's ${contextKey(event.data)}` };
      }
      if (opened.plaintext.length === 0) return { reason: 'sealed serviceKey is empty' };
      return { sealed: await this.cipher.encrypt(opened.plaintext, serviceKeyAad(event.data)) };
    } catch (error) {
      if (error instanceof SealError) return { reason: error.message };
      throw error;
    }
  }

  /** Applies the accepted events; answers the replays among them, which change nothing. */
  private async store(accepted: Array<{ item: CapturedLaunch; sealed?: SealedSecret }>, manager: DataSource['manager']): Promise<CaptureRejection[]> {
    const replays: CaptureRejection[] = [];
    for (const { item, sealed } of accepted) {
      const { event } = item;
      const before = await this.applied.claim(event.id, manager);
      if (before) {
        replays.push({ ref: item.ref, reason: `replayed: event ${event.id} was already applied at ${before.appliedAt}` });
        continue;
      }
      const triple: ContextTriple = { platformId: event.data.platformId, contextId: event.data.contextId, resourceLinkId: event.data.resourceLinkId };
      await this.contexts.upsert(event.data, event.time, event.id, manager);
      if (!sealed) continue;
      const capturedAt = this.notInFuture(event);
      const { outcome, version } = await this.keys.upsert(triple, sealed, { capturedAt, eventTime: event.time, eventId: event.id }, manager);
      if (outcome === 'ignored') {
        this.logger.debug({ eventId: event.id, ...triple }, 'older or repeated LaunchCaptured; stored key kept');
        continue;
      }
      await this.audit.record(
        {
          actor: ACTOR,
          action: outcome === 'stored' ? 'service-key.store' : 'service-key.overwrite',
          subjectType: 'service-key',
          subjectId: contextKey(triple),
          detail: { eventId: event.id, capturedAt, ...(capturedAt !== event.data.launchedAt ? { launchedAtClaimed: event.data.launchedAt } : {}), launchedBy: event.data.userId, masterKeyId: sealed.keyId, version },
          correlationId: event.correlationid,
        },
        manager,
      );
    }
    return replays;
  }

  /**
   * The launch time the key is ordered by, never later than this vault's clock
   * allows: a launch replica whose clock runs ahead would otherwise pin its key
   * and have every genuinely newer launch ignored until real time caught up.
   */
  private notInFuture(event: LaunchCapturedEvent): string {
    const latest = BigInt(Date.now() + FUTURE_TOLERANCE_MS) * 1_000_000n;
    if (epochNanos(event.data.launchedAt) <= latest) return event.data.launchedAt;
    const now = new Date().toISOString();
    this.logger.warn({ eventId: event.id, launchedAt: event.data.launchedAt, storedAs: now }, 'LaunchCaptured is stamped in the future (is a launch replica clock ahead?); ordered by the vault clock instead');
    return now;
  }
}

function sameTriple(a: ContextTriple, b: ContextTriple): boolean {
  return a.platformId === b.platformId && a.contextId === b.contextId && a.resourceLinkId === b.resourceLinkId;
}
