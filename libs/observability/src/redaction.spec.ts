import { Writable } from 'node:stream';
import pino from 'pino';
import { httpLoggerParams, pinoOptions } from './logger';
import { loggableUrl, redactText } from './redaction';

describe('redaction', () => {
  it('masks every LTIAAS authorisation scheme in free text', () => {
    const text = 'sent LTIK-AUTH-V2 key1:ltik1, SERVICE-AUTH-V1 key2:svc2 and Bearer key3';
    const masked = redactText(text);
    for (const secret of ['key1', 'ltik1', 'key2', 'svc2', 'key3']) expect(masked).not.toContain(secret);
    expect(masked).toContain('SERVICE-AUTH-V1 [REDACTED]');
  });

  it('drops query strings from URLs', () => {
    expect(loggableUrl('/launch?ltik=abc.def')).toBe('/launch?[REDACTED]');
    expect(redactText('GET /launch?ltik=abc.def&x=1')).not.toContain('abc.def');
  });

  it('censors secret fields and secrets inside messages in real log output', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const logger = pino(pinoOptions({ app: 'test' }), sink);
    logger.info({ serviceKey: 'sk-plain', nested: { ltik: 'ltik-plain' } }, 'calling with Bearer api-plain');
    const out = lines.join('');
    for (const secret of ['sk-plain', 'ltik-plain', 'api-plain']) expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED]');
  });

  it.each([
    ['a standalone logger', pinoOptions({ app: 'test' })],
    ['the apps\' HTTP logger', httpLoggerParams({ app: 'test' }).pinoHttp as pino.LoggerOptions],
  ])('masks secrets in errors, message and stack, in %s', (_name, options) => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const error = Object.assign(new Error('LTIAAS refused SERVICE-AUTH-V1 api-plain:svc-plain for /launch?ltik=ltik-plain'), { parameters: ['param-plain'] });
    pino(options, sink).error({ err: error }, 'call failed');
    const out = lines.join('');
    for (const secret of ['api-plain', 'svc-plain', 'ltik-plain', 'param-plain']) expect(out).not.toContain(secret);
    expect(out).toContain('LTIAAS refused');
  });
});
