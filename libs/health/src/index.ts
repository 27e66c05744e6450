export * from './health.module';
export * from './probe-state.log';
export * from './failure-log';
