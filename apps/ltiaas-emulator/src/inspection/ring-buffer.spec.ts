import { RingBuffer } from './ring-buffer';

describe('RingBuffer', () => {
  it('keeps the newest items, oldest first', () => {
    const ring = new RingBuffer<number>(3);
    [1, 2].forEach((n) => ring.push(n));
    expect(ring.toArray()).toEqual([1, 2]);
    [3, 4, 5].forEach((n) => ring.push(n));
    expect(ring.toArray()).toEqual([3, 4, 5]);
    ring.clear();
    expect(ring.toArray()).toEqual([]);
  });
});
