import { Injectable, Logger } from '@nestjs/common';
import { LaunchSignatureVerifier } from '@app/auth';
import type { LaunchCapturedEvent } from '@app/contracts';
import { DeliverySignals } from '../common/delivery-signals';
import { ContextsRepository, type LaunchFacts } from './contexts.repository';

export interface CapturedLaunch {
  /** The caller's handle on the item, returned with a rejection (the Kafka offset). */
  ref: string;
  event: LaunchCapturedEvent;
}

@Injectable()
export class ContextsService {
  private readonly logger = new Logger(ContextsService.name);

  constructor(
    private readonly contexts: ContextsRepository,
    private readonly signals: DeliverySignals,
    private readonly signatures: LaunchSignatureVerifier,
  ) {}

  /**
   * Records the launches launch signed; the rest are refused with the reason
   * and wake nothing: a forged launch must not send waiting scores to a key
   * the vault refused.
   */
  async recordCaptured(items: readonly CapturedLaunch[]): Promise<{ rejected: Array<{ ref: string; reason: string }> }> {
    const rejected: Array<{ ref: string; reason: string }> = [];
    const launches: LaunchFacts[] = [];
    for (const { ref, event } of items) {
      const signature = await this.signatures.verify(event);
      if (!signature.ok) {
        rejected.push({ ref, reason: signature.reason });
        continue;
      }
      const { id, data } = event;
      launches.push({
        eventId: id,
        platformId: data.platformId,
        contextId: data.contextId,
        resourceLinkId: data.resourceLinkId,
        launchedAt: data.launchedAt,
        agsAvailable: data.services.assignmentAndGrades.available,
        agsLineItemId: data.services.assignmentAndGrades.lineItemId ?? null,
        nrpsAvailable: data.services.namesAndRoles.available,
      });
    }
    if (launches.length) await this.recordLaunches(launches);
    for (const r of rejected) this.logger.warn({ ref: r.ref, reason: r.reason }, 'LaunchCaptured refused');
    return { rejected };
  }

  /** Records launches and wakes the scores that waited for one. */
  private async recordLaunches(launches: LaunchFacts[]): Promise<void> {
    const woken = await this.contexts.recordLaunches(launches);
    this.signals.relaunched(launches);
    if (woken > 0) {
      this.logger.log({ woken, launches: launches.length }, 'launch woke scores waiting for a fresh serviceKey');
      this.signals.scoresDue();
    }
  }
}
