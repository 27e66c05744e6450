import { CompactEncrypt, type CompactJWEHeaderParameters } from 'jose';
import { type ContextTriple, type SealKey } from '@app/contracts';

/** Makes a compact JWE of `plaintext` to the seal key, wherever that runs (JoseThread in the app). */
export type CompactEncryptor = (plaintext: string, header: CompactJWEHeaderParameters) => Promise<string>;

const encoder = new TextEncoder();

/**
 * Seals a serviceKey for the vault as a compact JWE: `alg` ECDH-ES (a fresh
 * ephemeral key per seal), `enc` A256GCM, the context triple in the
 * protected header's `ctx`. The protected header is the GCM AAD, so the
 * vault can check the triple and know it was not altered.
 */
export class ServiceKeySealer {
  private readonly encrypt: CompactEncryptor;

  constructor(
    private readonly recipient: SealKey,
    encrypt?: CompactEncryptor,
  ) {
    this.encrypt = encrypt ?? ((plaintext, header) => new CompactEncrypt(encoder.encode(plaintext)).setProtectedHeader(header).encrypt(recipient.key));
  }

  seal(plaintext: string, ctx: ContextTriple): Promise<string> {
    return this.encrypt(plaintext, {
      alg: 'ECDH-ES',
      enc: 'A256GCM',
      kid: this.recipient.kid,
      ctx: { platformId: ctx.platformId, contextId: ctx.contextId, resourceLinkId: ctx.resourceLinkId },
    });
  }
}
