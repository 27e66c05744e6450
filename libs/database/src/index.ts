export * from './database-roles';
export * from './migrate-at-startup';
export * from './prepare-database';
export * from './rows-of';
