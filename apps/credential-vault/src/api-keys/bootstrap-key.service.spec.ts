import { Logger } from '@nestjs/common';
import type { ApiKeyRevocation } from './api-key.revocation';
import type { BootstrapKeyRepository } from './bootstrap-key.repository';
import { BootstrapKeyService } from './bootstrap-key.service';

describe('BootstrapKeyService', () => {
  let warnings: string[];

  beforeEach(() => {
    warnings = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(function (this: Logger, ...args: unknown[]) {
      warnings.push(String(args[1] ?? args[0]));
    });
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  const service = (disabled: boolean, bootstrapAdminKey?: string) => {
    const state = {
      disabled: async () => (disabled ? { disabledAt: new Date('2026-01-01T00:00:00Z'), disabledBy: 'ops-admin' } : null),
      disable: async () => true,
    } as unknown as BootstrapKeyRepository;
    const revocation = { bootstrapDisabledNow: () => undefined } as unknown as ApiKeyRevocation;
    return new BootstrapKeyService(state, revocation, { bootstrapAdminKey, tokenTtlSeconds: 900 });
  };

  it('says at start-up that the bootstrap key is set but disabled', async () => {
    await service(true, 'bootstrap-key-0123456789').onApplicationBootstrap();
    expect(warnings).toEqual([expect.stringMatching(/^bootstrap key set but disabled/)]);
  });

  it('says nothing when the key is not set, or set and still enabled', async () => {
    await service(true).onApplicationBootstrap();
    await service(false, 'bootstrap-key-0123456789').onApplicationBootstrap();
    expect(warnings).toEqual([]);
  });
});
