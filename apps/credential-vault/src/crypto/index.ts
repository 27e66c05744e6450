export * from './crypto.module';
export * from './envelope-cipher';
export * from './key-provider';
export * from './local-keyring';
export * from './master-keys';
export * from './rewrap-target';
export * from './seal-opener';
export * from './sealed-secret';
