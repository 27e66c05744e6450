import { contextKey, EVENT_SOURCES, SCORE_READY_V1, scoreReadyEvent, TOPICS, type ScoreReadyData } from '@app/contracts';
import { KafkaScoreSink, type EventSender } from './kafka-score.sink';

describe('KafkaScoreSink', () => {
  const data: ScoreReadyData = {
    platformId: 'p',
    contextId: 'c',
    resourceLinkId: 'r',
    userId: 'u',
    activityProgress: 'Submitted',
    gradingProgress: 'Pending',
    timestamp: '2026-01-31T12:00:00Z',
  };

  it('publishes ScoreReady CloudEvents keyed by the context triple, carrying the line ids', async () => {
    const sent: { topic: string; records: { key: string; value: unknown }[] }[] = [];
    const publisher: EventSender = { publish: async (topic, records) => void sent.push({ topic, records }) };
    const sink = new KafkaScoreSink(publisher, 'x.grading.score-ready.v1', 'backfill:abc', undefined, () => new Date('2026-02-01T00:00:00Z'));

    await expect(sink.send([{ lineNumber: 3, id: 'id-3', data }])).resolves.toEqual({ failed: [] });

    expect(sent).toHaveLength(1);
    expect(sent[0].topic).toBe(TOPICS.scoreReady);
    const [record] = sent[0].records;
    expect(record.key).toBe(contextKey(data));
    const event = scoreReadyEvent.parse(record.value);
    expect(event).toMatchObject({ id: 'id-3', type: SCORE_READY_V1, source: EVENT_SOURCES.gradingBackfill, correlationid: 'backfill:abc', time: '2026-02-01T00:00:00.000Z', data });
  });

  it('lets a failed publish stop the run', async () => {
    const sink = new KafkaScoreSink({ publish: async () => Promise.reject(new Error('no leader')) }, 't', 'c');
    await expect(sink.send([{ lineNumber: 1, id: 'i', data }])).rejects.toThrow('no leader');
  });
});
