import { Logger, ServiceUnavailableException } from '@nestjs/common';
import type { HealthCheckResult } from '@nestjs/terminus';
import { Gauge, type Registry } from 'prom-client';

/**
 * Logs a health endpoint's answer only when it changes: one warn line (the
 * failing checks and their reasons, no stack) when it goes down, one info line
 * when it is back. Kubernetes probes every few seconds; a line per probe would
 * bury the one that matters, and a failing probe is a state, not a crash.
 * The request logger stays silent on /health/* for the same reason.
 * With a registry, the last answer of each probe is also `health_probe_up`
 * on /metrics (as fresh as the kubelet's probing), for readiness alerts.
 */
export class ProbeStateLog {
  private readonly logger = new Logger('Health');
  private readonly down = new Map<string, string>();
  private readonly up?: Gauge<'probe'>;

  constructor(registry?: Registry) {
    if (registry) {
      this.up = (registry.getSingleMetric('health_probe_up') as Gauge<'probe'> | undefined) ??
        new Gauge({ name: 'health_probe_up', help: 'Last answer of each health endpoint: 1 up, 0 down', labelNames: ['probe'], registers: [registry] });
    }
  }

  async watch(probe: string, check: () => Promise<HealthCheckResult>): Promise<HealthCheckResult> {
    try {
      const result = await check();
      this.up?.set({ probe }, 1);
      if (this.down.delete(probe)) this.logger.log({ probe }, `health/${probe} is up again`);
      return result;
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        this.up?.set({ probe }, 0);
        this.wentDown(probe, error.getResponse());
      }
      throw error;
    }
  }

  private wentDown(probe: string, report: unknown): void {
    const failing = failingChecks(report);
    // Which checks fail is the state; their details (counts, ages) change on every probe.
    const summary = Object.keys(failing).sort().join(',');
    if (this.down.get(probe) === summary) return;
    this.down.set(probe, summary);
    this.logger.warn({ probe, failing }, `health/${probe} is down`);
  }
}

/** The failing checks of a terminus report, with their details (reasons, counts), by name. */
export function failingChecks(report: unknown): Record<string, unknown> {
  const error = (report as { error?: Record<string, unknown> } | undefined)?.error;
  return error && typeof error === 'object' ? error : {};
}
