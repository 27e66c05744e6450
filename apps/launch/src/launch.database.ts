import { dataSourceOptions, type AppDatabaseOptions } from '@app/database';
import { OutboxEntry } from '@app/messaging';
import type { LaunchConfig } from './launch.config';
import { CreateLaunchOutbox1763900000000 } from './migrations/1763900000000-create-launch-outbox';

export const LAUNCH_CONFIG = Symbol('LAUNCH_CONFIG');

/** Every entity and migration of the launch schema, in one list. */
export function launchDatabase(config: Pick<LaunchConfig, 'DATABASE_URL'>): AppDatabaseOptions {
  return { url: config.DATABASE_URL, schema: 'launch', applicationName: 'launch', entities: [OutboxEntry], migrations: [CreateLaunchOutbox1763900000000] };
}

export const LAUNCH_DATABASE = (config: LaunchConfig) => dataSourceOptions(launchDatabase(config));
