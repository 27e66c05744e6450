import { gcmOpen, gcmSeal } from './aes-gcm';
import type { KeyProvider, WrappedDataKey } from './key-provider';
import type { MasterKey } from './master-keys';
import { SecretIntegrityError, UnknownMasterKeyError } from './sealed-secret';

/**
 * Master keys held in memory (from VAULT_MASTER_KEYS). The wrapped key's AAD
 * binds it to the master key id and the record's context, so relabelling a
 * row's key id or copying its wrapped key to another row fails to open.
 */
export class LocalKeyring implements KeyProvider {
  private readonly keys: ReadonlyMap<string, Buffer>;
  readonly activeKeyId: string;

  constructor(masterKeys: readonly MasterKey[]) {
    if (masterKeys.length === 0) throw new Error('LocalKeyring needs at least one master key');
    for (const k of masterKeys) if (k.key.length !== 32) throw new Error(`master key "${k.id}" is not 32 bytes`);
    this.keys = new Map(masterKeys.map((k) => [k.id, Buffer.from(k.key)]));
    if (this.keys.size !== masterKeys.length) throw new Error('master key ids must be unique');
    this.activeKeyId = masterKeys[0].id;
  }

  has(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  async wrap(dataKey: Buffer, context: string): Promise<WrappedDataKey> {
    const keyId = this.activeKeyId;
    return { keyId, wrappedKey: gcmSeal(this.keys.get(keyId)!, dataKey, wrapAad(keyId, context)) };
  }

  async unwrap(wrapped: WrappedDataKey, context: string): Promise<Buffer> {
    const master = this.keys.get(wrapped.keyId);
    if (!master) throw new UnknownMasterKeyError(wrapped.keyId);
    const dataKey = gcmOpen(master, wrapped.wrappedKey, wrapAad(wrapped.keyId, context));
    if (!dataKey || dataKey.length !== 32) throw new SecretIntegrityError('data key');
    return dataKey;
  }
}

function wrapAad(keyId: string, context: string): Buffer {
  return Buffer.from(`lti-vault/v1/wrap\u0000${keyId}\u0000${context}`, 'utf8');
}
