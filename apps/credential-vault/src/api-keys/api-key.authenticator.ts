import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { BOOTSTRAP_SUBJECT, type Scope } from '@app/auth';
import { ApiKeyPepper, digestOf, EnvelopeCipher } from '../crypto';
import { isWellFormedApiKey } from './api-key-format';
import { apiKeyDigestAad } from './api-key.digest';
import { ApiKeysRepository, type KeyHolder } from './api-keys.repository';
import { BootstrapKeyRepository } from './bootstrap-key.repository';

export { BOOTSTRAP_SUBJECT };

export const API_KEY_SETTINGS = Symbol('API_KEY_SETTINGS');

export interface ApiKeySettings {
  /** BOOTSTRAP_ADMIN_API_KEY: an admin key from the environment, never stored; optional. */
  bootstrapAdminKey?: string;
  /** JWT_TTL_SECONDS: how long a revoked key's tokens may still be presented. */
  tokenTtlSeconds: number;
}

export interface KeyIdentity {
  handle: string;
  scopes: string[];
  /** Platform ids the key is limited to; undefined when unrestricted. */
  platforms?: string[];
  /** The stored key's id; absent for the bootstrap key. */
  apiKeyId?: string;
}

/** Why a presented key was refused: `invalid` says nothing more; `bootstrap_disabled` only to whoever holds the bootstrap key. */
export type Authentication = { identity: KeyIdentity } | { refused: 'invalid' | 'bootstrap_disabled' };

const BOOTSTRAP_SCOPES: Scope[] = ['admin'];

/** Who a presented API key belongs to; never says why a key was refused, unless it is the (disabled) bootstrap key. */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly logger = new Logger(ApiKeyAuthenticator.name);
  private readonly bootstrapHash: Buffer | undefined;

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly bootstrapState: BootstrapKeyRepository,
    private readonly pepper: ApiKeyPepper,
    private readonly cipher: EnvelopeCipher,
    @Inject(API_KEY_SETTINGS) settings: ApiKeySettings,
  ) {
    this.bootstrapHash = settings.bootstrapAdminKey ? sha256(settings.bootstrapAdminKey) : undefined;
  }

  async authenticate(presented: string): Promise<Authentication> {
    // Compared as fixed-length hashes, so neither content nor length leaks through timing.
    if (this.bootstrapHash && timingSafeEqual(sha256(presented), this.bootstrapHash)) {
      // Read at every presentation (rare): a disable on any replica holds here at once.
      if (await this.bootstrapState.disabled()) return { refused: 'bootstrap_disabled' };
      return { identity: { handle: BOOTSTRAP_SUBJECT, scopes: BOOTSTRAP_SCOPES } };
    }
    // A mistyped or invented key fails its checksum here, without a database round trip.
    if (!isWellFormedApiKey(presented)) return { refused: 'invalid' };
    const digest = digestOf(presented);
    // One hash per master key: a key peppered before a rotation is still found, and moved to the active key below.
    const hashes = new Map(this.pepper.keyIds().map((id) => [id, this.pepper.pepper(digest, id)]));
    const holder = await this.keys.useByHash([...hashes.values()]);
    const expected = holder ? hashes.get(holder.hashKeyId) : undefined;
    if (!holder || !expected || !timingSafeEqual(holder.keyHash, expected)) return { refused: 'invalid' };
    if (holder.hashKeyId !== this.pepper.activeKeyId) await this.repepper(holder, digest);
    return { identity: { handle: holder.handle, scopes: holder.scopes, platforms: holder.platforms ?? undefined, apiKeyId: holder.id } };
  }

  /** Re-hashes a key peppered under an older master key; a failure costs nothing but a later retry. */
  private async repepper(holder: KeyHolder, digest: Buffer): Promise<void> {
    try {
      await this.keys.repepper(
        {
          id: holder.id,
          keyHash: this.pepper.pepper(digest),
          hashKeyId: this.pepper.activeKeyId,
          keyDigest: await this.cipher.encrypt(digest.toString('base64url'), apiKeyDigestAad(holder.id)),
        },
        { keyHash: holder.keyHash, hashKeyId: holder.hashKeyId },
      );
      this.logger.log({ handle: holder.handle, from: holder.hashKeyId, to: this.pepper.activeKeyId }, 'API key hash moved to the active master key');
    } catch (error) {
      this.logger.warn({ handle: holder.handle, err: error }, 'could not move an API key hash to the active master key; npm run rewrap will');
    }
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
