import { compactDecrypt, decodeProtectedHeader, importJWK, type CompactJWEHeaderParameters, type JWK } from 'jose';
import type { ContextTriple, SealKey } from '@app/contracts';

/** Why a sealed serviceKey was refused; the message is safe to log and dead-letter. */
export class SealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SealError';
  }
}

export interface OpenedSeal {
  plaintext: string;
  /** The context triple launch bound into the protected header. */
  ctx: ContextTriple;
}

type DecryptKey = Awaited<ReturnType<typeof importJWK>>;

/**
 * Opens the compact JWEs launch makes: `alg` ECDH-ES, `enc` A256GCM, the
 * context triple in the protected header's `ctx` (authenticated: the
 * protected header is the GCM AAD). Nothing else is accepted.
 */
export class SealOpener {
  private constructor(private readonly keys: ReadonlyMap<string, DecryptKey>) {}

  /** Imports the private keys once: one, or several while the seal pair is rotated. */
  static async create(sealKeys: readonly SealKey[]): Promise<SealOpener> {
    const keys = new Map<string, DecryptKey>();
    for (const k of sealKeys) keys.set(k.kid, await importJWK(k.jwk as JWK, 'ECDH-ES'));
    return new SealOpener(keys);
  }

  async open(compact: string): Promise<OpenedSeal> {
    let header: CompactJWEHeaderParameters;
    try {
      header = decodeProtectedHeader(compact) as CompactJWEHeaderParameters;
    } catch {
      throw new SealError('sealed serviceKey is not a compact JWE with a readable protected header');
    }
    const key = this.keyFor(header.kid);
    let opened: Awaited<ReturnType<typeof compactDecrypt>>;
    try {
      opened = await compactDecrypt(compact, key, { keyManagementAlgorithms: ['ECDH-ES'], contentEncryptionAlgorithms: ['A256GCM'] });
    } catch (error) {
      throw new SealError(`sealed serviceKey does not open: ${describeJoseError(error)}`);
    }
    return { plaintext: new TextDecoder().decode(opened.plaintext), ctx: contextOf(opened.protectedHeader.ctx) };
  }

  /** The key a seal names; a seal without a kid can only be meant for a vault with one key. */
  private keyFor(kid: unknown): DecryptKey {
    const key = kid === undefined && this.keys.size === 1 ? this.keys.values().next().value : this.keys.get(String(kid));
    if (!key) throw new SealError(`sealed serviceKey was sealed to another key (kid ${String(kid)}, this vault holds ${[...this.keys.keys()].join(', ')})`);
    return key;
  }
}

function contextOf(value: unknown): ContextTriple {
  const ctx = value as Partial<Record<keyof ContextTriple, unknown>> | undefined;
  if (!ctx || typeof ctx !== 'object' || typeof ctx.platformId !== 'string' || typeof ctx.contextId !== 'string' || typeof ctx.resourceLinkId !== 'string') {
    throw new SealError('sealed serviceKey has no context triple (ctx) in its protected header');
  }
  return { platformId: ctx.platformId, contextId: ctx.contextId, resourceLinkId: ctx.resourceLinkId };
}

/** jose's error codes, turned into reasons an operator can act on. Never echoes key material. */
function describeJoseError(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ERR_JWE_DECRYPTION_FAILED':
      return 'it was altered, or sealed to another key';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'only alg ECDH-ES with enc A256GCM is accepted';
    case 'ERR_JWE_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return (error as Error).message;
    default:
      return 'it is not a valid JWE for this vault';
  }
}
