import { z } from 'zod';
import { ConfigError, infrastructureEnv, loadConfig, port } from './index';

describe('loadConfig', () => {
  it('applies defaults and coerces types', () => {
    const config = loadConfig(infrastructureEnv.extend({ GRADING_PORT: port(3003) }), {});
    expect(config.GRADING_PORT).toBe(3003);
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(config.MIGRATIONS_RUN).toBe(true);
  });

  it('names the variable at fault', () => {
    expect(() => loadConfig(infrastructureEnv, { KAFKA_BROKERS: 'not a broker' })).toThrow(ConfigError);
    expect(() => loadConfig(infrastructureEnv, { KAFKA_BROKERS: 'not a broker' })).toThrow(/KAFKA_BROKERS/);
    expect(() => loadConfig(z.object({ X_PORT: port(1) }), { X_PORT: 'abc' })).toThrow(/^Invalid configuration: X_PORT:/);
  });

  it('keeps /docs off and the migration login unset unless given, and checks both', () => {
    const defaults = loadConfig(infrastructureEnv, {});
    expect(defaults.DOCS_ENABLED).toBe(false);
    expect(defaults.MIGRATIONS_URL).toBeUndefined();
    expect(loadConfig(infrastructureEnv, { DOCS_ENABLED: 'true', MIGRATIONS_URL: 'postgres://lti_migrator@db/lti' })).toMatchObject({ DOCS_ENABLED: true, MIGRATIONS_URL: 'postgres://lti_migrator@db/lti' });
    expect(() => loadConfig(infrastructureEnv, { DOCS_ENABLED: 'yes' })).toThrow(/^Invalid configuration: DOCS_ENABLED:/);
    expect(() => loadConfig(infrastructureEnv, { MIGRATIONS_URL: 'mysql://db' })).toThrow(/^Invalid configuration: MIGRATIONS_URL: must be a postgres:\/\/ URL/);
  });

  it('rejects a required variable that is missing', () => {
    expect(() => loadConfig(z.object({ SECRET: z.string().min(1) }), {})).toThrow(/SECRET/);
  });
});
