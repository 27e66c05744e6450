import { ConfigError } from '@app/config';
import { parseEmulatorConfig } from './emulator.config';

describe('parseEmulatorConfig', () => {
  it('has working defaults, with the admin API off', () => {
    expect(parseEmulatorConfig({})).toMatchObject({
      port: 3100,
      apiKey: 'emulator-api-key',
      adminKey: undefined,
      seed: 1,
      faults: { rules: [] },
      launchTarget: 'http://127.0.0.1:3001/launch',
      pageSize: 50,
    });
  });

  it('reads fault rules from EMULATOR_FAULTS', () => {
    const config = parseEmulatorConfig({ EMULATOR_FAULTS: '{"seed":3,"rules":[{"kind":"http-error","status":502,"probability":0.1}]}' });
    expect(config.faults).toMatchObject({ seed: 3, rules: [{ kind: 'http-error', status: 502, probability: 0.1, after: 0 }] });
  });

  it.each([
    ['EMULATOR_PORT', 'eighty'],
    ['EMULATOR_PAGE_SIZE', '0'],
    ['EMULATOR_FAULTS', '{not json'],
    ['EMULATOR_FAULTS', '{"rules":[{"kind":"latency"}]}'],
    ['EMULATOR_LAUNCH_TARGET', 'ftp://x'],
    ['EMULATOR_ADMIN_KEY', 'short'],
    ['EMULATOR_SEED', '1.5'],
  ])('names %s when it is bad (%s)', (variable, value) => {
    expect(() => parseEmulatorConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => parseEmulatorConfig({ [variable]: value })).toThrow(variable);
  });
});
