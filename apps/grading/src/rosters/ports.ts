import type { ContextTriple, RosterRefreshedData } from '@app/contracts';
import type { CallOptions, LtiaasCredential, MembershipPage, MembershipQuery } from '@app/ltiaas';
import type { ResolvedCredential } from '../credentials/ports';

/** The part of LtiaasClient a roster refresh uses; the real client satisfies it as is. */
export interface MembershipSource {
  iterateMemberships(cred: LtiaasCredential, query?: MembershipQuery, call?: CallOptions): AsyncIterable<MembershipPage>;
}
export const MEMBERSHIP_SOURCE = Symbol('MEMBERSHIP_SOURCE');

/**
 * serviceKeys, resolved as delivery resolves them (the shared
 * CredentialResolver and AccountKeyCheck): throws CredentialUnavailableError when
 * the vault holds none or it is stale, VaultUnavailableError when the vault
 * cannot answer now.
 */
export interface RosterCredentials {
  resolve(triple: ContextTriple): Promise<ResolvedCredential>;
  /** Drops a cached key LTIAAS refused, so the next run asks the vault again. */
  forget?(triple: ContextTriple): void;
  /** A refusal of the account API key itself comes back retryable (AccountKeyCheck). */
  blame?(error: unknown): Promise<unknown>;
}
export const ROSTER_CREDENTIALS = Symbol('ROSTER_CREDENTIALS');

/** Where RosterRefreshed goes (Kafka in production). */
export interface RosterEvents {
  refreshed(data: RosterRefreshedData, correlationId: string): Promise<void>;
}
export const ROSTER_EVENTS = Symbol('ROSTER_EVENTS');
