import { LtiaasError } from './ltiaas.error';
import { pageUrl, readPageUrl, slicePage } from './paging';

const BASE = 'http://127.0.0.1:3100/lms/p/courses/c/lineitems?type_id=1';

function statusOf(fn: () => unknown): number {
  try {
    fn();
    return 200;
  } catch (err) {
    return (err as LtiaasError).status;
  }
}

describe('paging', () => {
  it('slices pages and says where the next one starts', () => {
    expect(slicePage([1, 2, 3, 4, 5], 0, 2)).toEqual({ items: [1, 2], nextFrom: 2 });
    expect(slicePage([1, 2, 3, 4], 2, 2)).toEqual({ items: [3, 4] });
  });

  it('builds links on a base that already has a query', () => {
    expect(pageUrl(BASE, { tag: 'a b', from: 50, limit: 50, label: undefined })).toBe(`${BASE}&tag=a+b&from=50&limit=50`);
  });

  it('reads its own links back, single- or double-encoded', () => {
    const link = pageUrl(BASE, { from: 50 });
    expect(readPageUrl(link, BASE).get('from')).toBe('50');
    expect(readPageUrl(encodeURIComponent(link), BASE).get('type_id')).toBe('1');
  });

  it('refuses links of another context (401) and non-URLs (400)', () => {
    expect(statusOf(() => readPageUrl('http://127.0.0.1:3100/lms/p/courses/other/lineitems?from=1', BASE))).toBe(401);
    expect(statusOf(() => readPageUrl('https://evil.example/lms/p/courses/c/lineitems', BASE))).toBe(401);
    expect(statusOf(() => readPageUrl('page-2', BASE))).toBe(400);
  });
});
