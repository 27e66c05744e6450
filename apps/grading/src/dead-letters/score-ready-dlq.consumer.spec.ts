import { DLQ_HEADERS } from '@app/contracts';
import { letterOf } from './score-ready-dlq.consumer';

const headers = { [DLQ_HEADERS.originalTopic]: 'grading.score-ready.v1', [DLQ_HEADERS.originalPartition]: '2', [DLQ_HEADERS.originalOffset]: '41', [DLQ_HEADERS.error]: 'data.userId: must not contain NUL' };
const record = (value: Buffer, extra: Record<string, string> = {}) => ({ partition: 0, offset: '7', headers: { ...headers, ...extra }, value });

describe('letterOf', () => {
  it('keeps a readable record as JSON with its event id, identity and reason', () => {
    const letter = letterOf(record(Buffer.from(JSON.stringify({ id: 'ev-1', data: { platformId: 'p', userId: 'u' } }))));
    expect(letter).toMatchObject({ topic: 'grading.score-ready.v1', partition: 2, offset: '41', eventId: 'ev-1', reason: 'data.userId: must not contain NUL', identity: { platformId: 'p', userId: 'u' } });
    expect(letter.payload).toEqual({ id: 'ev-1', data: { platformId: 'p', userId: 'u' } });
  });

  it('keeps the bytes, and no JSON, of what jsonb cannot hold: NUL escapes, lone surrogates, invalid UTF-8', () => {
    for (const value of [
      Buffer.from('{"id":"ev-2","data":{"userId":"a\\u0000b"}}'),
      Buffer.from('{"id":"ev-3","data":{"userId":"\\ud800"}}'),
      Buffer.concat([Buffer.from('{"id":"ev-4","data":{"userId":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}')]),
      Buffer.from('not json at all \u0000'),
    ]) {
      const letter = letterOf(record(value));
      expect(letter.payload).toBeUndefined();
      expect(letter.bytes.equals(value)).toBe(true);
    }
    expect(letterOf(record(Buffer.from('{"id":"ev-2","data":{"userId":"a\\u0000b"}}'))).eventId).toBe('ev-2');
  });

  it('makes headers and identity fields storable as text', () => {
    const letter = letterOf(record(Buffer.from(JSON.stringify({ id: 'e\u0000', data: { userId: 'x\u0000' } })), { [DLQ_HEADERS.error]: 'bad \u0000', [DLQ_HEADERS.originalOffset]: 'nope' }));
    expect(letter.reason).toBe('bad \ufffd');
    expect(letter).toMatchObject({ topic: 'grading.score-ready.v1.dlq', partition: 0, offset: '7' });
    expect(letter.eventId).toBeUndefined();
  });
});
