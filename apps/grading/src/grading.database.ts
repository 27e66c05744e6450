import { dataSourceOptions, type AppDatabaseOptions } from '@app/database';
import type { GradingConfig } from './grading.config';

export const GRADING_CONFIG = Symbol('GRADING_CONFIG');

/** Every entity and migration of the grading schema, in one list. */
export function gradingDatabase(config: Pick<GradingConfig, 'DATABASE_URL'>): AppDatabaseOptions {
  return { url: config.DATABASE_URL, schema: 'grading', entities: [], migrations: [] };
}

export const GRADING_DATABASE = (config: GradingConfig) => dataSourceOptions(gradingDatabase(config));
