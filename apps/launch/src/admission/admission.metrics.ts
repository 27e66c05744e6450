import { Inject, Injectable, Optional } from '@nestjs/common';
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from '@app/observability';

export type Refusal = 'rate-limited' | 'ltiaas-busy';

/** What admission control turned away, and how many LTIAAS calls are in flight, on /metrics. */
@Injectable()
export class AdmissionMetrics {
  private readonly refused?: Counter<'reason'>;
  private readonly inFlight?: Gauge;

  constructor(@Optional() @Inject(METRICS_REGISTRY) registry?: Registry) {
    if (!registry) return;
    this.refused = new Counter({ name: 'launch_requests_refused_total', help: 'Requests to /launch and /app refused before LTIAAS was called: rate-limited (429, per client address) or ltiaas-busy (503, in-flight cap)', labelNames: ['reason'], registers: [registry] });
    this.inFlight = new Gauge({ name: 'launch_ltiaas_calls_in_flight', help: 'LTIAAS ID-token calls this launch process has in flight', registers: [registry] });
  }

  refusedFor(reason: Refusal): void {
    this.refused?.inc({ reason });
  }

  setInFlight(value: number): void {
    this.inFlight?.set(value);
  }
}
