import type { ContextTriple } from '@app/contracts';
import type { LineItem, LineItemInput, LineItemQuery, LtiaasCredential, PostScoreResult, Score } from '@app/ltiaas';

/** Time, so that unit specs can move it. */
export interface Clock {
  now(): number;
}
export const CLOCK = Symbol('CLOCK');
export const systemClock: Clock = { now: () => Date.now() };

/** The part of LtiaasClient delivery uses; the real client satisfies it as is. */
export interface LtiaasPort {
  /** Throws LtiaasCredentialInvalidError when LTIAAS refuses the account API key itself. */
  checkApiKey(): Promise<void>;
  postScore(cred: LtiaasCredential, lineItemId: string, score: Score): Promise<PostScoreResult>;
  listLineItems(cred: LtiaasCredential, query?: LineItemQuery): Promise<LineItem[]>;
  createLineItem(cred: LtiaasCredential, lineItem: LineItemInput): Promise<LineItem>;
}
export const LTIAAS_PORT = Symbol('LTIAAS_PORT');

export interface ResolvedCredential {
  serviceKey: string;
  /** The vault's capture time of this key, exactly as it gave it (passed back when marking it stale). */
  capturedAt: string | null;
}

/**
 * The credential vault, as delivery needs it. `resolve` throws
 * CredentialUnavailableError (none stored, or marked stale) or
 * VaultUnavailableError (try again later).
 */
export interface VaultPort {
  resolve(triple: ContextTriple): Promise<ResolvedCredential>;
  /** Marks the key captured at `capturedAt` stale; a key captured later (a newer launch) stays fresh. */
  markStale(triple: ContextTriple, detail: { capturedAt: string | null; reason: string }): Promise<void>;
}
export const VAULT_PORT = Symbol('VAULT_PORT');

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
