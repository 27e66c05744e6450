import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Scope } from '@app/auth';
import { hashApiKey, isWellFormedApiKey } from './api-key-format';
import { ApiKeysRepository } from './api-keys.repository';

export const API_KEY_SETTINGS = Symbol('API_KEY_SETTINGS');

export interface ApiKeySettings {
  /** BOOTSTRAP_ADMIN_API_KEY: an admin key from the environment, never stored. */
  bootstrapAdminKey?: string;
}

export interface KeyIdentity {
  handle: string;
  scopes: string[];
  /** The stored key's id; absent for the bootstrap key. */
  apiKeyId?: string;
}

/** The subject of tokens exchanged for the bootstrap key; the colon keeps it apart from every real handle. */
export const BOOTSTRAP_SUBJECT = 'bootstrap:admin';
const BOOTSTRAP_SCOPES: Scope[] = ['admin'];

/** Who a presented API key belongs to, or null; never says why a key was refused. */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly bootstrapHash: Buffer | undefined;

  constructor(
    private readonly keys: ApiKeysRepository,
    @Inject(API_KEY_SETTINGS) settings: ApiKeySettings,
  ) {
    this.bootstrapHash = settings.bootstrapAdminKey ? hashApiKey(settings.bootstrapAdminKey) : undefined;
  }

  async authenticate(presented: string): Promise<KeyIdentity | null> {
    // Compared as fixed-length hashes, so neither content nor length leaks through timing.
    const hash = hashApiKey(presented);
    if (this.bootstrapHash && timingSafeEqual(hash, this.bootstrapHash)) return { handle: BOOTSTRAP_SUBJECT, scopes: BOOTSTRAP_SCOPES };
    // A mistyped or invented key fails its checksum here, without a database round trip.
    if (!isWellFormedApiKey(presented)) return null;
    const holder = await this.keys.useByHash(hash);
    if (!holder || !timingSafeEqual(holder.keyHash, hash)) return null;
    return { handle: holder.handle, scopes: holder.scopes, apiKeyId: holder.id };
  }
}
