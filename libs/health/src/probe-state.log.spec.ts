import { Logger, ServiceUnavailableException } from '@nestjs/common';
import type { HealthCheckResult } from '@nestjs/terminus';
import { ProbeStateLog } from './probe-state.log';

const up: HealthCheckResult = { status: 'ok', info: { database: { status: 'up' } }, error: {}, details: { database: { status: 'up' } } };
const down = (message: string, check = 'kafka') => () =>
  Promise.reject(new ServiceUnavailableException({ status: 'error', info: {}, error: { [check]: { status: 'down', message } }, details: { [check]: { status: 'down', message } } }));

describe('ProbeStateLog', () => {
  let warn: jest.SpyInstance;
  let log: jest.SpyInstance;
  let error: jest.SpyInstance;

  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('logs one warn line when a probe goes down, none while it stays down, one line when it is back', async () => {
    const probes = new ProbeStateLog();
    await probes.watch('ready', () => Promise.resolve(up));
    for (let i = 0; i < 5; i++) await expect(probes.watch('ready', down('no answer from Kafka within 2000 ms'))).rejects.toBeInstanceOf(ServiceUnavailableException);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toEqual({ probe: 'ready', failing: { kafka: { status: 'down', message: 'no answer from Kafka within 2000 ms' } } });
    expect(JSON.stringify(warn.mock.calls[0])).not.toContain('stack');
    await probes.watch('ready', () => Promise.resolve(up));
    await probes.watch('ready', () => Promise.resolve(up));
    expect(log).toHaveBeenCalledTimes(1);
    expect(error).not.toHaveBeenCalled();
  });

  it('logs again when another check fails, not when the details of the same one change', async () => {
    const probes = new ProbeStateLog();
    await expect(probes.watch('sync', down('12 scores wait', 'backlog'))).rejects.toBeDefined();
    await expect(probes.watch('sync', down('13 scores wait', 'backlog'))).rejects.toBeDefined();
    await expect(probes.watch('sync', down('3 dead letters', 'deadLetters'))).rejects.toBeDefined();
    expect(warn).toHaveBeenCalledTimes(2);
  });
});
