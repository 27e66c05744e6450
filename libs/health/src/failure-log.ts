import type { LoggerService } from '@nestjs/common';

/**
 * Logs why a dependency check fails, once per change rather than on every
 * probe (Kubernetes asks every few seconds), and when it recovers.
 */
export class FailureLog {
  private readonly last = new Map<string, string>();

  constructor(private readonly logger: LoggerService) {}

  failed(dependency: string, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    if (this.last.get(dependency) === reason) return;
    this.last.set(dependency, reason);
    // The reason, not a stack: a failing dependency is a state to report, not a crash to debug.
    this.logger.warn({ dependency, reason }, `${dependency} check failed: ${reason}`);
  }

  recovered(dependency: string): void {
    if (!this.last.delete(dependency)) return;
    this.logger.log({ dependency }, `${dependency} check passes again`);
  }
}
