export * from './outbox.drainer';
export * from './outbox.entity';
export * from './outbox.module';
export * from './outbox.store';
export * from './reliable-publisher';
