import {
  chooseAuthorization,
  DEFAULT_LTIK_SAFETY_MARGIN_MS,
  type AuthorizationChoice,
  type EndpointClass,
  type LtiaasCredential,
} from './authorization';
import { systemClock, type Clock } from './clock';

export interface LtiaasAuthOptions {
  clock?: Clock;
  /** How long before its 24 hours an ltik stops being trusted for grade and roster calls. */
  ltikSafetyMarginMs?: number;
}

/** `chooseAuthorization` bound to the account API key, a clock and the safety margin. */
export class LtiaasAuth {
  private readonly clock: Clock;
  private readonly marginMs: number;

  constructor(
    private readonly apiKey: string | undefined,
    options: LtiaasAuthOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.marginMs = options.ltikSafetyMarginMs ?? DEFAULT_LTIK_SAFETY_MARGIN_MS;
  }

  choose(endpoint: EndpointClass, credential: LtiaasCredential): AuthorizationChoice {
    return chooseAuthorization(
      endpoint,
      { apiKey: this.apiKey, ltik: credential.ltik, serviceKey: credential.serviceKey },
      this.clock.now(),
      this.marginMs,
    );
  }

  /** The header value, or throws MissingCredentialError. */
  authorizationFor(endpoint: EndpointClass, credential: LtiaasCredential): string {
    const choice = this.choose(endpoint, credential);
    if (!choice.ok) throw choice.error;
    return choice.header;
  }
}
