import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { SealKey } from '@app/contracts';
import { ApiKeyPepper } from './api-key-pepper';
import { EnvelopeCipher } from './envelope-cipher';
import { KEY_PROVIDER } from './key-provider';
import { LocalKeyring } from './local-keyring';
import type { MasterKey } from './master-keys';
import { SealOpener } from './seal-opener';

export interface CryptoOptions {
  /** VAULT_MASTER_KEYS, parsed; the first is active. */
  masterKeys: readonly MasterKey[];
  /** VAULT_SEAL_PRIVATE_JWK, parsed: one key, or several while the seal pair is rotated. */
  sealPrivateKeys: SealKey[];
}

/**
 * Encryption at rest (EnvelopeCipher over a KeyProvider) and the opener of
 * serviceKeys sealed in transit, for every feature of the vault.
 */
@Global()
@Module({})
export class CryptoModule {
  static forRoot(options: CryptoOptions): DynamicModule {
    return {
      module: CryptoModule,
      providers: [
        { provide: KEY_PROVIDER, useFactory: () => new LocalKeyring(options.masterKeys) },
        EnvelopeCipher,
        { provide: SealOpener, useFactory: () => SealOpener.create(options.sealPrivateKeys) },
        { provide: ApiKeyPepper, useFactory: () => new ApiKeyPepper(options.masterKeys) },
      ],
      exports: [KEY_PROVIDER, EnvelopeCipher, SealOpener, ApiKeyPepper],
    };
  }
}
