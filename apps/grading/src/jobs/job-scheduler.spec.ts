import { cronSlot } from './job-scheduler';

describe('cronSlot', () => {
  it('rounds a five-field tick down to its minute, so replicas firing a few ms apart agree', () => {
    const a = cronSlot('0 2 * * *', Date.parse('2026-01-10T02:00:00.004Z'));
    const b = cronSlot('0 2 * * *', Date.parse('2026-01-10T02:00:00.950Z'));
    expect(a.toISOString()).toBe('2026-01-10T02:00:00.000Z');
    expect(b).toEqual(a);
  });

  it('rounds a six-field (seconds) tick down to its second', () => {
    expect(cronSlot('*/5 * * * * *', Date.parse('2026-01-10T02:00:05.120Z')).toISOString()).toBe('2026-01-10T02:00:05.000Z');
  });
});
