import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@app/http';
import { displayPrefix } from '../api-keys/api-key-format';
import { ApiKeyAuthenticator } from '../api-keys/api-key.authenticator';
import { AccessTokenIssuer, type IssuedToken } from './access-token.issuer';
import { FailedAttemptLimiter } from './failed-attempt.limiter';
import { TokenExchangeMetrics } from './token-exchange.metrics';

/** The one answer for every refused key, so a caller learns nothing about which keys or handles exist. */
const REFUSED = 'invalid API key';

/** Exchanges an API key for a short-lived access token. */
@Injectable()
export class TokensService {
  private readonly logger = new Logger(TokensService.name);

  constructor(
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly issuer: AccessTokenIssuer,
    @Inject(FailedAttemptLimiter) private readonly limiter: FailedAttemptLimiter,
    private readonly metrics: TokenExchangeMetrics,
  ) {}

  async exchange(presented: string | undefined, clientAddress: string): Promise<IssuedToken> {
    const address = `ip:${clientAddress}`;
    const subjects = presented ? [address, `key:${displayPrefix(presented)}`] : [address];
    // An address over its limit is refused outright, the right key included. A key prefix is not
    // secret (listings and logs show it), so a prefix over its limit refuses only addresses that
    // have failed lately: guessers are stopped, and nobody can lock a service out of its tokens.
    const retryAfter = this.limiter.hasFailed(address) ? this.limiter.retryAfterSeconds(subjects) : this.limiter.retryAfterSeconds([address]);
    if (retryAfter > 0) {
      this.metrics.record('rate_limited');
      throw new DomainError('rate_limited', 'too many failed API key presentations; retry later', retryAfter);
    }

    // Counted as a failure before the look-up and forgiven after a success, so a burst of
    // concurrent guesses cannot all slip in while the first ones are still being checked.
    this.limiter.recordFailure(subjects);
    const outcome = presented ? await this.authenticator.authenticate(presented) : undefined;
    if (!outcome || 'refused' in outcome) {
      if (outcome?.refused === 'bootstrap_disabled') {
        // Only whoever holds the bootstrap key sees this answer, so it gives nothing away; it is not a guess either.
        this.limiter.forgive(subjects);
        this.metrics.record('bootstrap_disabled');
        this.logger.warn({ clientAddress }, 'disabled bootstrap key presented at token exchange');
        throw new DomainError('unauthorized', 'the bootstrap admin key is disabled: use an admin API key of your own');
      }
      this.metrics.record('refused');
      this.logger.warn({ clientAddress }, 'API key refused at token exchange');
      throw new DomainError('unauthorized', presented ? REFUSED : 'missing API key: send Authorization: Bearer <api key>');
    }
    this.limiter.forgive(subjects);
    const { identity } = outcome;
    const issued = await this.issuer.issue(identity.handle, identity.scopes, identity.apiKeyId, identity.platforms);
    this.metrics.record('issued');
    return issued;
  }
}
