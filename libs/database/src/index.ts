export * from './prepare-database';
export * from './rows-of';
