export * from './backoff';
export * from './sleep';
export * from './wakeup';
