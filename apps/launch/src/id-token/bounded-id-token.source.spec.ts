import { DomainError } from '@app/http';
import type { IdToken } from '@app/ltiaas';
import { BoundedIdTokenSource, LTIAAS_BUSY_MESSAGE } from './bounded-id-token.source';
import type { IdTokenSource } from './id-token.source';

describe('BoundedIdTokenSource', () => {
  it('refuses at once, with a retry hint, the call beyond the cap, and admits again once one returns', async () => {
    const pending: Array<() => void> = [];
    const inner: IdTokenSource = { fetch: jest.fn(() => new Promise<IdToken>((resolve) => pending.push(() => resolve({} as IdToken)))) };
    const source = new BoundedIdTokenSource(inner, 2);
    const first = source.fetch('l1', 'r1');
    const second = source.fetch('l2', 'r2');
    await expect(source.fetch('l3', 'r3')).rejects.toEqual(new DomainError('unavailable', LTIAAS_BUSY_MESSAGE, 1));
    expect(inner.fetch).toHaveBeenCalledTimes(2);
    pending.shift()!();
    await first;
    const third = source.fetch('l3', 'r3');
    pending.forEach((release) => release());
    await Promise.all([second, third]);
    expect(inner.fetch).toHaveBeenCalledTimes(3);
  });

  it('frees the slot when the call fails', async () => {
    const source = new BoundedIdTokenSource({ fetch: jest.fn(async () => Promise.reject(new DomainError('unauthorized', 'no'))) }, 1);
    await expect(source.fetch('l', 'r')).rejects.toMatchObject({ kind: 'unauthorized' });
    await expect(source.fetch('l', 'r')).rejects.toMatchObject({ kind: 'unauthorized' });
  });
});
