import { loadConfig } from '@app/config';
import { gradingEnv } from './grading.config';

const required = { LTIAAS_URL: 'http://127.0.0.1:3100', LTIAAS_API_KEY: 'k', GRADING_API_KEY: 'g' };

describe('grading configuration', () => {
  it('refuses a delivery lease shorter than twice the longest request, naming the variable', () => {
    expect(() => loadConfig(gradingEnv, { ...required, DELIVERY_LEASE_MS: '15000', LTIAAS_TIMEOUT_MS: '4000' })).toThrow(
      /DELIVERY_LEASE_MS: must be at least 20000 ms/,
    );
    expect(loadConfig(gradingEnv, { ...required, DELIVERY_LEASE_MS: '20000', LTIAAS_TIMEOUT_MS: '4000' }).DELIVERY_LEASE_MS).toBe(20_000);
  });

  it('accepts its defaults', () => {
    expect(loadConfig(gradingEnv, required)).toMatchObject({ DELIVERY_LEASE_MS: 60_000, LTIAAS_TIMEOUT_MS: 10_000 });
  });
});
