import { dataSourceOptions, type AppDatabaseOptions } from '@app/database';
import type { LaunchConfig } from './launch.config';

export const LAUNCH_CONFIG = Symbol('LAUNCH_CONFIG');

/** Every entity and migration of the launch schema, in one list. */
export function launchDatabase(config: Pick<LaunchConfig, 'DATABASE_URL'>): AppDatabaseOptions {
  return { url: config.DATABASE_URL, schema: 'launch', entities: [], migrations: [] };
}

export const LAUNCH_DATABASE = (config: LaunchConfig) => dataSourceOptions(launchDatabase(config));
