import { DomainError } from '@app/http';
import type { EventPublisher, OutgoingRecord } from '@app/messaging';
import { ScoreIngestService } from './score-ingest.service';

const data = {
  platformId: 'p',
  contextId: 'c',
  resourceLinkId: 'r',
  userId: 'u',
  activityProgress: 'Completed' as const,
  gradingProgress: 'FullyGraded' as const,
  timestamp: '2026-01-01T00:00:00Z',
};

function publisher(fail = false) {
  const sent: Array<{ topic: string; records: OutgoingRecord[] }> = [];
  return {
    sent,
    port: {
      publish: async (topic: string, records: OutgoingRecord[]) => {
        if (fail) throw new Error('broker down');
        sent.push({ topic, records });
      },
    } as unknown as EventPublisher,
  };
}

describe('ScoreIngestService', () => {
  it('publishes CloudEvents keyed by the context triple, the Idempotency-Key as the event id', async () => {
    const p = publisher();
    const ids = await new ScoreIngestService(p.port).submit([{ data, eventId: 'key-1' }, { data }], 'req-9');
    expect(ids[0]).toBe('key-1');
    expect(ids[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(p.sent[0].topic).toBe('grading.score-ready.v1');
    expect(p.sent[0].records[0]).toMatchObject({
      key: JSON.stringify(['p', 'c', 'r']),
      value: { specversion: '1.0', id: 'key-1', type: 'com.ltigrading.score.ready.v1', correlationid: 'req-9', data },
    });
  });

  it('answers "unavailable, retry later" when the broker cannot take the score', async () => {
    const error = await new ScoreIngestService(publisher(true).port).submit([{ data }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind: 'unavailable', retryAfterSeconds: 5 });
  });
});
