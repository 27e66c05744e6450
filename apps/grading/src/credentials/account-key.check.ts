import { Inject, Injectable, Logger } from '@nestjs/common';
import { LtiaasCredentialInvalidError, LtiaasRetryableError } from '@app/ltiaas';
import { CLOCK, type Clock } from '../common/clock';
import { LTIAAS_PORT, type LtiaasPort } from './ports';

const RECHECK_MS = 30_000;

/**
 * A 401 on a serviceKey call also comes back when LTIAAS refuses the
 * account API key (LTIAAS_API_KEY) itself, say after a botched rotation.
 * Read as a stale serviceKey, that would park every activity's scores until
 * each is launched again; so before a refusal is blamed on the serviceKey,
 * the API key is checked on its own (at most every 30 s), and when it is
 * the culprit the scores are retried instead.
 */
@Injectable()
export class AccountKeyCheck {
  private readonly logger = new Logger(AccountKeyCheck.name);
  private last?: { at: number; refused: Promise<boolean> };

  constructor(
    @Inject(LTIAAS_PORT) private readonly ltiaas: Pick<LtiaasPort, 'checkApiKey'>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The error to act on: a refused serviceKey stays so, unless the API key is what LTIAAS refuses. */
  async blame(error: unknown): Promise<unknown> {
    if (!(error instanceof LtiaasCredentialInvalidError) || !(await this.refused())) return error;
    return new LtiaasRetryableError(`LTIAAS refuses the account API key (LTIAAS_API_KEY), not the serviceKey: ${error.message}`, 'api-key-refused', undefined, { status: error.status });
  }

  private refused(): Promise<boolean> {
    const now = this.clock.now();
    if (!this.last || now - this.last.at > RECHECK_MS) this.last = { at: now, refused: this.probe() };
    return this.last.refused;
  }

  private async probe(): Promise<boolean> {
    try {
      await this.ltiaas.checkApiKey();
      return false;
    } catch (error) {
      if (!(error instanceof LtiaasCredentialInvalidError)) return false; // no verdict: the refusal stands as given
      this.logger.error({ status: error.status }, 'LTIAAS refuses the account API key (LTIAAS_API_KEY): deliveries are retried, no serviceKey is marked stale; fix the key');
      return true;
    }
  }
}
