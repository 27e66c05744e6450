import { loadConfig } from '@app/config';
import { launchSigningPair } from '../../../test/support/launch-signing';
import { gradingEnv } from './grading.config';

const required = { LTIAAS_URL: 'http://127.0.0.1:3100', LTIAAS_API_KEY: 'k', GRADING_API_KEY: 'g', LAUNCH_SIGNING_PUBLIC_JWKS: launchSigningPair().env.LAUNCH_SIGNING_PUBLIC_JWKS };

describe('grading configuration', () => {
  it('refuses a delivery lease too short to be renewed in time, naming the variable', () => {
    expect(() => loadConfig(gradingEnv, { ...required, DELIVERY_LEASE_MS: '1500' })).toThrow(/DELIVERY_LEASE_MS: must be at least 2000 ms/);
    expect(loadConfig(gradingEnv, { ...required, DELIVERY_LEASE_MS: '2000' }).DELIVERY_LEASE_MS).toBe(2_000);
  });

  it('refuses a consumer heartbeat that leaves fewer than three per session, naming the variable', () => {
    expect(() => loadConfig(gradingEnv, { ...required, CONSUMER_SESSION_TIMEOUT_MS: '6000', CONSUMER_HEARTBEAT_MS: '3000' })).toThrow(/CONSUMER_HEARTBEAT_MS: must be at most a third/);
  });

  it('accepts its defaults', () => {
    expect(loadConfig(gradingEnv, required)).toMatchObject({ DELIVERY_LEASE_MS: 8_000, LTIAAS_TIMEOUT_MS: 10_000, CONSUMER_SESSION_TIMEOUT_MS: 6_000, CONSUMER_HEARTBEAT_MS: 1_000 });
  });
});
