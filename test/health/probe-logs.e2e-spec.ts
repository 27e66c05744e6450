import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Kafka, logLevel } from 'kafkajs';
import { HealthModule } from '@app/health';
import { createHttpApp } from '@app/http';
import { KafkaProbe } from '@app/messaging';
import { ObservabilityModule } from '@app/observability';
import { captureStdout, type LogCapture } from '../vault/log-capture';

// Nothing listens here (a port of this suite's own block): the Kafka check fails at once.
const DEAD_BROKER = '127.0.0.1:19640';

/** A failing probe is a state: one warn line when it goes down, one when it is back, never an error with a stack per probe. */
describe('health probe logs', () => {
  let app: NestFastifyApplication;
  let base: string;
  let capture: LogCapture;

  beforeAll(async () => {
    capture = captureStdout();
    const kafka = new Kafka({ clientId: 'probe-logs-e2e', brokers: [DEAD_BROKER], retry: { retries: 0 }, logLevel: logLevel.NOTHING });
    @Module({
      imports: [ObservabilityModule.forApp('probe-logs-e2e', 'info'), HealthModule.forApp({ database: false, kafka: true }, { providers: [{ provide: KafkaProbe, useValue: new KafkaProbe(kafka) }] })],
    })
    class ProbedModule {}
    app = await createHttpApp(ProbedModule, { name: 'probe-logs-e2e' });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    capture?.stop();
  });

  it('logs a failing readiness probe once, at warn, without a stack, and reports it on /metrics', async () => {
    for (let i = 0; i < 4; i++) expect((await fetch(`${base}/health/ready`)).status).toBe(503);
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    // Only this app's lines: an app of an earlier suite in this process may still be logging its own reconnects.
    const ownLines = capture.lines.filter((l) => l.startsWith('{') && l.includes('"app":"probe-logs-e2e"'));
    const lines = ownLines.map((l) => JSON.parse(l) as { level: string; msg: string; probe?: string; failing?: Record<string, unknown> });
    const down = lines.filter((l) => l.msg === 'health/ready is down');
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({ level: 'warn', probe: 'ready', failing: { kafka: expect.objectContaining({ status: 'down' }) } });
    expect(ownLines.join('\n')).not.toContain('"stack"');
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^health_probe_up\{probe="ready",app="probe-logs-e2e"\} 0$/m);
    expect(metrics).toMatch(/^health_probe_up\{probe="live",app="probe-logs-e2e"\} 1$/m);
  });
});
