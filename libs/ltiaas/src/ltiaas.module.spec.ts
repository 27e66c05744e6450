import { ConfigError } from '@app/config';
import { Test } from '@nestjs/testing';
import { LtiaasAuth } from './auth/ltiaas-auth';
import { ltiaasOptionsFromEnv } from './client/ltiaas-client.options';
import { LtiaasClient } from './client/ltiaas.client';
import { LtiaasModule } from './ltiaas.module';

describe('LtiaasModule', () => {
  it('provides the client and the header chooser, and drains the pool on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [LtiaasModule.forRoot({ baseUrl: 'http://127.0.0.1:9', apiKey: 'module-key' })],
    }).compile();
    const client = moduleRef.get(LtiaasClient);
    expect(client).toBeInstanceOf(LtiaasClient);
    expect(moduleRef.get(LtiaasAuth).authorizationFor('platforms', {})).toBe('Bearer module-key');
    const close = jest.spyOn(client, 'close');
    moduleRef.enableShutdownHooks();
    await moduleRef.close();
    expect(close).toHaveBeenCalled();
  });
});

describe('ltiaasOptionsFromEnv', () => {
  it('reads LTIAAS_* with defaults', () => {
    expect(ltiaasOptionsFromEnv({ LTIAAS_URL: 'https://acme.ltiaas.com', LTIAAS_API_KEY: 'k' })).toEqual({
      baseUrl: 'https://acme.ltiaas.com',
      apiKey: 'k',
      connections: 128,
      headersTimeoutMs: 10_000,
      bodyTimeoutMs: 10_000,
      ltikSafetyMarginMs: 300_000,
    });
  });

  it('names the variable that is wrong', () => {
    expect(() => ltiaasOptionsFromEnv({ LTIAAS_URL: 'https://acme.ltiaas.com', LTIAAS_API_KEY: 'k', LTIAAS_MAX_CONNECTIONS: '0' })).toThrow(ConfigError);
    expect(() => ltiaasOptionsFromEnv({ LTIAAS_API_KEY: 'k' })).toThrow(/LTIAAS_URL/);
  });
});
