import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock';
import { LtiaasError } from '../common/ltiaas.error';
import { EMULATOR_CONFIG, EmulatorConfig } from '../config/emulator.config';
import { CredentialsStore, LaunchContext, LaunchRecord } from './credentials.store';

export type AuthScheme = 'LTIK' | 'SVC' | 'BEARER';

/** A caller inside a launch context (ltik or serviceKey). */
export interface ContextAuth extends LaunchContext {
  scheme: 'LTIK' | 'SVC';
  /** Present for ltik callers only. */
  launch?: LaunchRecord;
}

export type AuthResult = ContextAuth | { scheme: 'BEARER' };

const LTIK_LIFETIME_MS = 24 * 60 * 60 * 1000;

const PREFIXES: ReadonlyArray<[AuthScheme, string]> = [
  ['LTIK', 'LTIK-AUTH-V2 '],
  ['SVC', 'SERVICE-AUTH-V1 '],
  ['BEARER', 'Bearer '],
];

/** Checks the three LTIAAS authorisation headers exactly as the reference spells them (§2). */
@Injectable()
export class AuthService {
  constructor(
    @Inject(EMULATOR_CONFIG) private readonly config: EmulatorConfig,
    private readonly credentials: CredentialsStore,
    private readonly clock: Clock,
  ) {}

  authenticate(header: string | undefined, accepted: readonly AuthScheme[]): AuthResult {
    const refuse = accepted.length === 1 && accepted[0] === 'BEARER' ? LtiaasError.invalidApiKey : LtiaasError.invalidCredential;
    const match = header === undefined ? undefined : PREFIXES.find(([, prefix]) => header.startsWith(prefix));
    if (!match || !accepted.includes(match[0])) throw refuse();
    const [scheme, prefix] = match;
    const rest = (header as string).slice(prefix.length);

    if (scheme === 'BEARER') {
      if (rest !== this.config.apiKey) throw refuse();
      return { scheme };
    }
    // `<API_KEY>:<TOKEN>`; the key is matched as a whole so a key containing ':' still works.
    const keyPrefix = `${this.config.apiKey}:`;
    if (!rest.startsWith(keyPrefix)) throw refuse();
    const token = rest.slice(keyPrefix.length);

    if (scheme === 'LTIK') {
      const launch = this.credentials.launch(token);
      if (!launch || this.clock.now() - launch.issuedAt >= LTIK_LIFETIME_MS) throw refuse();
      return { scheme, launch, ...contextOf(launch) };
    }
    const key = this.credentials.serviceKey(token);
    if (!key || key.revoked) throw refuse();
    return { scheme, ...contextOf(key) };
  }
}

function contextOf(c: LaunchContext): LaunchContext {
  return { platformId: c.platformId, contextId: c.contextId, resourceLinkId: c.resourceLinkId, services: c.services };
}
