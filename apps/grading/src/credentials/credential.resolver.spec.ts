import { CredentialUnavailableError, type ResolvedCredential, type VaultPort } from './ports';
import { CredentialResolver } from './credential.resolver';

const triple = { platformId: 'p', contextId: 'c', resourceLinkId: 'r' };

class FakeVault implements VaultPort {
  calls = 0;
  stale: unknown[] = [];
  next: () => Promise<ResolvedCredential> = async () => ({ serviceKey: `svc-${this.calls}`, capturedAt: null });
  resolve() {
    this.calls++;
    return this.next();
  }
  async markStale(_t: unknown, detail: unknown) {
    this.stale.push(detail);
  }
}

describe('CredentialResolver', () => {
  let now = 0;
  const clock = { now: () => now };

  it('asks the vault once for concurrent and repeated callers until the entry expires', async () => {
    const vault = new FakeVault();
    const resolver = new CredentialResolver(vault, clock, 1000);
    const [a, b] = await Promise.all([resolver.resolve(triple), resolver.resolve(triple)]);
    expect(a.serviceKey).toBe('svc-1');
    expect(b.serviceKey).toBe('svc-1');
    now = 999;
    await resolver.resolve(triple);
    expect(vault.calls).toBe(1);
    now = 1000;
    expect((await resolver.resolve(triple)).serviceKey).toBe('svc-2');
  });

  it('does not keep failures', async () => {
    const vault = new FakeVault();
    vault.next = () => Promise.reject(new CredentialUnavailableError('missing', 'none'));
    const resolver = new CredentialResolver(vault, clock, 60_000);
    await expect(resolver.resolve(triple)).rejects.toThrow('none');
    vault.next = async () => ({ serviceKey: 'fresh', capturedAt: null });
    expect((await resolver.resolve(triple)).serviceKey).toBe('fresh');
  });

  it('forgets a key that was refused, and tells the vault which one went stale', async () => {
    const vault = new FakeVault();
    const resolver = new CredentialResolver(vault, clock, 60_000);
    await resolver.resolve(triple);
    await resolver.markStale(triple, { capturedAt: '2026-01-01T00:00:00.000001Z', reason: 'LTIAAS answered 401' });
    expect(vault.stale).toEqual([{ capturedAt: '2026-01-01T00:00:00.000001Z', reason: 'LTIAAS answered 401' }]);
    await resolver.resolve(triple);
    expect(vault.calls).toBe(2);
  });
});
