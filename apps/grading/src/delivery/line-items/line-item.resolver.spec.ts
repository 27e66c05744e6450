import type { LineItem, LineItemInput, LineItemQuery } from '@app/ltiaas';
import type { LtiaasPort } from '../../credentials/ports';
import { LineItemResolver, LineItemUnresolvedError, type LineItemStore, type LineItemTarget } from './line-item.resolver';

const cred = { serviceKey: 'svc' };
const triple = { platformId: 'p', contextId: 'c', resourceLinkId: 'r' };

class Lms implements Pick<LtiaasPort, 'listLineItems' | 'createLineItem'> {
  items: LineItem[] = [];
  lists = 0;
  created = 0;
  async postScore(): Promise<never> {
    throw new Error('not here');
  }
  async listLineItems(_c: unknown, _q?: LineItemQuery) {
    this.lists++;
    await new Promise((r) => setTimeout(r, 5));
    return this.items;
  }
  async createLineItem(_c: unknown, input: LineItemInput) {
    const item = { id: `li-new-${++this.created}`, ...input };
    this.items.push(item);
    return item;
  }
}

class Store implements LineItemStore {
  rows = new Map<string, string>();
  async find(_t: unknown, key: string) {
    return this.rows.get(key);
  }
  async save(_t: unknown, key: string, id: string) {
    this.rows.set(key, id);
  }
  async forget(_t: unknown, key: string) {
    this.rows.delete(key);
  }
  async exclusively<T>(_t: unknown, _k: string, fn: () => Promise<T>) {
    return fn();
  }
}

const clock = { now: () => 0 };
const target = (lineItemKey: string, lineItem: LineItemTarget['lineItem'] = null): LineItemTarget => ({ ...triple, lineItemKey, lineItem });

describe('LineItemResolver', () => {
  it('resolves once for concurrent callers and remembers the answer', async () => {
    const lms = new Lms();
    lms.items.push({ id: 'li-own', label: 'Quiz', scoreMaximum: 10, resourceLinkId: 'r' });
    const store = new Store();
    const resolver = new LineItemResolver(lms, store, { launchLineItemId: async () => null }, clock);
    const ids = await Promise.all([resolver.resolve(target(''), cred), resolver.resolve(target(''), cred)]);
    expect(ids).toEqual(['li-own', 'li-own']);
    expect(lms.lists).toBe(1);
    expect(store.rows.get('')).toBe('li-own');
  });

  it("prefers the launch's own line item when the score names none", async () => {
    const lms = new Lms();
    const resolver = new LineItemResolver(lms, new Store(), { launchLineItemId: async () => 'li-launch' }, clock);
    expect(await resolver.resolve(target(''), cred)).toBe('li-launch');
    expect(lms.lists).toBe(0);
  });

  it('refuses to guess between several line items of the resource link', async () => {
    const lms = new Lms();
    lms.items.push({ id: 'a', label: 'A', scoreMaximum: 1, resourceLinkId: 'r' }, { id: 'b', label: 'B', scoreMaximum: 1, resourceLinkId: 'r' });
    const resolver = new LineItemResolver(lms, new Store(), { launchLineItemId: async () => null }, clock);
    await expect(resolver.resolve(target(''), cred)).rejects.toThrow(LineItemUnresolvedError);
  });

  it('finds an existing line item by selector instead of creating a second one', async () => {
    const lms = new Lms();
    lms.items.push({ id: 'li-quiz', label: 'Quiz 1', scoreMaximum: 10, resourceLinkId: 'r', resourceId: 'q1' });
    const resolver = new LineItemResolver(lms, new Store(), { launchLineItemId: async () => null }, clock);
    expect(await resolver.resolve(target('k', { resourceId: 'q1', label: 'Quiz 1', scoreMaximum: 10 }), cred)).toBe('li-quiz');
    expect(lms.items).toHaveLength(1);
  });

  it('resolves afresh after a line item is forgotten', async () => {
    const lms = new Lms();
    const store = new Store();
    const resolver = new LineItemResolver(lms, store, { launchLineItemId: async () => null }, clock);
    const selector = { label: 'Essay', scoreMaximum: 20 };
    const first = await resolver.resolve(target('e', selector), cred);
    lms.items = [];
    await resolver.forget(target('e', selector), first);
    const second = await resolver.resolve(target('e', selector), cred);
    expect(second).not.toBe(first);
    expect(store.rows.get('e')).toBe(second);
  });
});
