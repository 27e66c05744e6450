import type { ContextTriple } from '@app/contracts';
import type { CallOptions, LineItem, LineItemInput, LineItemQuery, LtiaasCredential, MembershipPage, MembershipQuery, PostScoreResult, Score } from '@app/ltiaas';

/** The LTIAAS calls delivery makes (scores, line items) and the account-key check. */
export interface LtiaasPort {
  /** Throws LtiaasCredentialInvalidError when LTIAAS refuses the account API key itself. */
  checkApiKey(): Promise<void>;
  postScore(cred: LtiaasCredential, lineItemId: string, score: Score): Promise<PostScoreResult>;
  listLineItems(cred: LtiaasCredential, query?: LineItemQuery): Promise<LineItem[]>;
  createLineItem(cred: LtiaasCredential, lineItem: LineItemInput): Promise<LineItem>;
}

/** The LTIAAS call a roster refresh makes. */
export interface MembershipPort {
  iterateMemberships(cred: LtiaasCredential, query?: MembershipQuery, call?: CallOptions): AsyncIterable<MembershipPage>;
}

/** The process's one LTIAAS client (one connection pool), LtiaasClient as is. */
export type LtiaasClientPort = LtiaasPort & MembershipPort;
export const LTIAAS_PORT = Symbol('LTIAAS_PORT');

export interface ResolvedCredential {
  serviceKey: string;
  /** The vault's capture time of this key, exactly as it gave it (passed back when marking it stale). */
  capturedAt: string | null;
}

/**
 * The credential vault, as grading needs it. `resolve` throws
 * CredentialUnavailableError (none stored, or marked stale) or
 * VaultUnavailableError (try again later).
 */
export interface VaultPort {
  resolve(triple: ContextTriple): Promise<ResolvedCredential>;
  /** Marks the key captured at `capturedAt` stale; a key captured later (a newer launch) stays fresh. */
  markStale(triple: ContextTriple, detail: { capturedAt: string | null; reason: string }): Promise<void>;
}

/** How long a resolved serviceKey is kept in memory (CREDENTIAL_CACHE_MS). */
export const CREDENTIAL_CACHE_MS = Symbol('CREDENTIAL_CACHE_MS');

/** The vault could not answer now (down, overloaded, refused our token). */
export class VaultUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'VaultUnavailableError';
  }
}

/** The vault holds no usable key for the context: `missing` (never captured) or `stale` (marked unusable). */
export class CredentialUnavailableError extends Error {
  constructor(
    readonly reason: 'missing' | 'stale',
    message: string,
  ) {
    super(message);
    this.name = 'CredentialUnavailableError';
  }
}
