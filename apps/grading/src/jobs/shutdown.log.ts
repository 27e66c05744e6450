import { Injectable, Logger, type OnApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';

/** Two log lines that frame a shutdown, so its length and cause show in the logs. */
@Injectable()
export class ShutdownLog implements OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private startedAt?: number;

  onModuleDestroy(): void {
    this.startedAt = Date.now();
    this.logger.log('shutting down: taking no new work, finishing what is in flight');
  }

  onApplicationShutdown(signal?: string): void {
    this.logger.log({ signal, durationMs: this.startedAt === undefined ? undefined : Date.now() - this.startedAt }, 'shut down');
  }
}
