import { Inject, Injectable } from '@nestjs/common';
import { CompactEncrypt } from 'jose';
import { type ContextTriple, type SealKey } from '@app/contracts';

export const SEAL_PUBLIC_KEY = Symbol('SEAL_PUBLIC_KEY');

const encoder = new TextEncoder();

/**
 * Seals a serviceKey for the vault as a compact JWE: `alg` ECDH-ES (a fresh
 * ephemeral key per seal), `enc` A256GCM, the context triple in the
 * protected header's `ctx`. The protected header is the GCM AAD, so the
 * vault can check the triple and know it was not altered.
 */
@Injectable()
export class ServiceKeySealer {
  constructor(@Inject(SEAL_PUBLIC_KEY) private readonly recipient: SealKey) {}

  seal(plaintext: string, ctx: ContextTriple): Promise<string> {
    return new CompactEncrypt(encoder.encode(plaintext))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', kid: this.recipient.kid, ctx: { platformId: ctx.platformId, contextId: ctx.contextId, resourceLinkId: ctx.resourceLinkId } })
      .encrypt(this.recipient.key);
  }
}
