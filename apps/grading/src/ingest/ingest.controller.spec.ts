import { BadRequestException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { IngestController } from './ingest.controller';
import type { ScoreIngestService, ScoreSubmission } from './score-ingest.service';

const valid = {
  platformId: 'p',
  contextId: 'c',
  resourceLinkId: 'r',
  userId: 'u',
  scoreGiven: 3,
  scoreMaximum: 10,
  activityProgress: 'Completed',
  gradingProgress: 'FullyGraded',
  timestamp: '2026-01-01T00:00:00.000001Z',
};
const request = { id: 'req-1' } as FastifyRequest;

function controller() {
  const submitted: ScoreSubmission[][] = [];
  const ingest = {
    submit: async (s: ScoreSubmission[]) => {
      submitted.push(s);
      return s.map((x, i) => x.eventId ?? `generated-${i}`);
    },
  } as unknown as ScoreIngestService;
  return { submitted, controller: new IngestController(ingest) };
}

describe('IngestController batch', () => {
  it('accepts the valid items and names each field at fault in the others, in order', async () => {
    const { controller: c, submitted } = controller();
    const result = await c.submitBatch({ scores: [valid, { ...valid, userId: undefined, scoreGiven: -1 }, valid] }, 'batch-7', request);
    expect(result.accepted).toBe(2);
    expect(result.rejected).toBe(1);
    expect(result.items[0]).toEqual({ index: 0, id: 'batch-7:0' });
    expect(result.items[2]).toEqual({ index: 2, id: 'batch-7:2' });
    expect(result.items[1]).toEqual({ index: 1, errors: expect.arrayContaining([expect.stringMatching(/^scores\.1\.userId: /), expect.stringMatching(/^scores\.1\.scoreGiven: /)]) });
    expect(submitted[0].map((s) => s.eventId)).toEqual(['batch-7:0', 'batch-7:2']);
  });

  it('answers 400 when no item is valid', async () => {
    const { controller: c, submitted } = controller();
    await expect(c.submitBatch({ scores: [{ ...valid, timestamp: 'yesterday' }] }, undefined, request)).rejects.toThrow(BadRequestException);
    expect(submitted).toEqual([]);
  });

  it('refuses an Idempotency-Key that cannot be an event id', async () => {
    const { controller: c } = controller();
    await expect(c.submit(valid as never, 'has spaces', request)).rejects.toThrow(BadRequestException);
    await expect(c.submit(valid as never, 'x'.repeat(191), request)).rejects.toThrow(BadRequestException);
  });

  it('uses the Idempotency-Key as the event id of a single score', async () => {
    const { controller: c } = controller();
    expect(await c.submit(valid as never, 'grader-42', request)).toEqual({ id: 'grader-42' });
  });
});
