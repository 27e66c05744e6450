import { backfillEventId } from './event-id';

describe('backfillEventId', () => {
  const file = 'a'.repeat(64);

  it('is the same for the same file and line, so a re-run repeats the ids', () => {
    expect(backfillEventId(file, 7)).toBe(backfillEventId(file, 7));
  });

  it('differs between lines and between files', () => {
    expect(backfillEventId(file, 7)).not.toBe(backfillEventId(file, 8));
    expect(backfillEventId(file, 7)).not.toBe(backfillEventId('b'.repeat(64), 7));
  });

  it('is a version 5 UUID, valid wherever an event id is stored', () => {
    expect(backfillEventId(file, 1)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
