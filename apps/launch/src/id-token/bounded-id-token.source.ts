import type { IdToken } from '@app/ltiaas';
import { DomainError } from '@app/http';
import type { AdmissionMetrics } from '../admission/admission.metrics';
import type { IdTokenSource } from './id-token.source';

export const LTIAAS_BUSY_MESSAGE = 'launch is busy: too many LTIAAS calls in flight; retry in a moment';

/**
 * At most `maxInFlight` LTIAAS calls from this process; the next one is
 * answered 503 with Retry-After at once rather than queued. A queue would
 * hold every flooded request (and its socket) until LTIAAS got round to it,
 * and real launches would wait behind the flood; a quick refusal costs nothing.
 */
export class BoundedIdTokenSource implements IdTokenSource {
  private inFlight = 0;

  constructor(
    private readonly inner: IdTokenSource,
    private readonly maxInFlight: number,
    private readonly metrics?: AdmissionMetrics,
  ) {}

  async fetch(ltik: string, requestId: string): Promise<IdToken> {
    if (this.inFlight >= this.maxInFlight) {
      this.metrics?.refusedFor('ltiaas-busy');
      throw new DomainError('unavailable', LTIAAS_BUSY_MESSAGE, 1);
    }
    this.inFlight += 1;
    this.metrics?.setInFlight(this.inFlight);
    try {
      return await this.inner.fetch(ltik, requestId);
    } finally {
      this.inFlight -= 1;
      this.metrics?.setInFlight(this.inFlight);
    }
  }
}
