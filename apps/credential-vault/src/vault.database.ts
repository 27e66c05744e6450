import { dataSourceOptions, type AppDatabaseOptions } from '@app/database';
import type { VaultConfig } from './vault.config';

export const VAULT_CONFIG = Symbol('VAULT_CONFIG');

/** Every entity and migration of the vault's schema, in one list. */
export function vaultDatabase(config: Pick<VaultConfig, 'DATABASE_URL'>): AppDatabaseOptions {
  return { url: config.DATABASE_URL, schema: 'vault', entities: [], migrations: [] };
}

export const VAULT_DATABASE = (config: VaultConfig) => dataSourceOptions(vaultDatabase(config));
