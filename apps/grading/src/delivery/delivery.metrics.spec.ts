import { Registry } from 'prom-client';
import { DeliveryMetrics, MAX_PLATFORM_LABELS } from './delivery.metrics';
import type { PlatformGate } from './delivery-group.runner';

describe('DeliveryMetrics', () => {
  it('counts throttled answers per platform and still hands every report to the gate', async () => {
    const registry = new Registry();
    const metrics = new DeliveryMetrics(registry);
    const reports: Array<[string, boolean]> = [];
    const gate: PlatformGate = { acquire: async () => undefined, report: (platformId, result) => void reports.push([platformId, result.throttled]) };
    const counted = metrics.instrumentGate(gate);
    counted.report('p1', { throttled: true });
    counted.report('p1', { throttled: false });
    counted.report('p1', { throttled: true });
    expect(reports).toEqual([['p1', true], ['p1', false], ['p1', true]]);
    const values = (await registry.getSingleMetric('grading_delivery_throttled_total')!.get()).values;
    expect(values).toEqual([expect.objectContaining({ labels: { platform: 'p1' }, value: 2 })]);
  });

  it('folds platforms past the cap into `other`', async () => {
    const registry = new Registry();
    const gate = new DeliveryMetrics(registry).instrumentGate({ acquire: async () => undefined, report: () => undefined });
    for (let i = 0; i < MAX_PLATFORM_LABELS + 10; i++) gate.report(`https://lms-${i}.example`, { throttled: true });
    const values = (await registry.getSingleMetric('grading_delivery_throttled_total')!.get()).values;
    expect(values).toHaveLength(MAX_PLATFORM_LABELS + 1);
    expect(values.find((v) => v.labels.platform === 'other')?.value).toBe(10);
  });
});
