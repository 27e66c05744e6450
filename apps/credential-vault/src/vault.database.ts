import { dataSourceOptions, type AppDatabaseOptions } from '@app/database';
import { ApiKeyEntity } from './api-keys/api-key.entity';
import { CreateApiKeysAndSigningKeys1763900100000 } from './migrations/1763900100000-create-api-keys-and-signing-keys';
import { CreateAuditLog1763900200000 } from './migrations/1763900200000-create-audit-log';
import { CreateServiceKeysAndLaunchContexts1763900300000 } from './migrations/1763900300000-create-service-keys-and-launch-contexts';
import { CreateAppliedLaunchEvents1763900400000 } from './migrations/1763900400000-create-applied-launch-events';
import { KeyedApiKeyHashesAndPlatforms1764950000000 } from './migrations/1764950000000-keyed-api-key-hashes-and-platforms';
import { CreateBootstrapKeyState1764950100000 } from './migrations/1764950100000-create-bootstrap-key-state';
import { SigningKeysKeepPrivateHalfWhilePublished1764950200000 } from './migrations/1764950200000-signing-keys-keep-private-half-while-published';
import { SigningKeyEntity } from './signing-keys/signing-key.entity';
import type { VaultConfig } from './vault.config';

export const VAULT_CONFIG = Symbol('VAULT_CONFIG');

/** Every entity and migration of the vault's schema, in one list. */
export function vaultDatabase(config: Pick<VaultConfig, 'DATABASE_URL'>): AppDatabaseOptions {
  return {
    url: config.DATABASE_URL,
    schema: 'vault',
    applicationName: 'credential-vault',
    entities: [ApiKeyEntity, SigningKeyEntity],
    migrations: [
      CreateApiKeysAndSigningKeys1763900100000,
      CreateAuditLog1763900200000,
      CreateServiceKeysAndLaunchContexts1763900300000,
      CreateAppliedLaunchEvents1763900400000,
      KeyedApiKeyHashesAndPlatforms1764950000000,
      CreateBootstrapKeyState1764950100000,
      SigningKeysKeepPrivateHalfWhilePublished1764950200000,
    ],
  };
}

export const VAULT_DATABASE = (config: VaultConfig) => dataSourceOptions(vaultDatabase(config));
