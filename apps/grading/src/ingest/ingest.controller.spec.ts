import { BadRequestException, ForbiddenException } from '@nestjs/common';
import type { AuthPrincipal } from '@app/auth';
import { graderEventId } from './idempotency';
import { ScoreAdmission } from './score-admission';
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
const grader = { handle: 'grader-a', platforms: undefined } as unknown as AuthPrincipal;
const scoped = { handle: 'grader-b', platforms: ['p'] } as unknown as AuthPrincipal;

function controller() {
  const submitted: ScoreSubmission[][] = [];
  const ingest = {
    submit: async (s: ScoreSubmission[]) => {
      submitted.push(s);
      return s.map((x, i) => x.eventId ?? `generated-${i}`);
    },
  } as unknown as ScoreIngestService;
  return { submitted, controller: new IngestController(ingest, new ScoreAdmission({ SCORE_MAX_FUTURE_SKEW_SECONDS: 300 })) };
}

describe('IngestController batch', () => {
  it('accepts the valid items and names each field at fault in the others, in order', async () => {
    const { controller: c, submitted } = controller();
    const result = await c.submitBatch({ scores: [valid, { ...valid, userId: undefined, scoreGiven: -1 }, valid] }, 'batch-7', request, grader);
    expect(result.accepted).toBe(2);
    expect(result.rejected).toBe(1);
    expect(result.items[0]).toEqual({ index: 0, id: graderEventId('grader-a', 'batch-7:0') });
    expect(result.items[2]).toEqual({ index: 2, id: graderEventId('grader-a', 'batch-7:2') });
    expect(result.items[1]).toEqual({ index: 1, errors: expect.arrayContaining([expect.stringMatching(/^scores\.1\.userId: /), expect.stringMatching(/^scores\.1\.scoreGiven: /)]) });
    expect(submitted[0].map((s) => s.eventId)).toEqual([graderEventId('grader-a', 'batch-7:0'), graderEventId('grader-a', 'batch-7:2')]);
  });

  it('answers 400 when no item is valid', async () => {
    const { controller: c, submitted } = controller();
    await expect(c.submitBatch({ scores: [{ ...valid, timestamp: 'yesterday' }] }, undefined, request, grader)).rejects.toThrow(BadRequestException);
    expect(submitted).toEqual([]);
  });

  it('refuses an Idempotency-Key that cannot be an event id', async () => {
    const { controller: c } = controller();
    await expect(c.submit(valid as never, 'has spaces', request, grader)).rejects.toThrow(BadRequestException);
    await expect(c.submit(valid as never, 'x'.repeat(191), request, grader)).rejects.toThrow(BadRequestException);
  });

  it('derives the event id from the key handle and the Idempotency-Key: one event per grader and key', async () => {
    const { controller: c } = controller();
    const first = await c.submit(valid as never, 'grader-42', request, grader);
    expect(await c.submit(valid as never, 'grader-42', request, grader)).toEqual(first);
    expect(await c.submit(valid as never, 'grader-42', request, scoped)).not.toEqual(first);
  });

  it('refuses a score outside the key\'s platforms with 403 naming it, per item in a batch', async () => {
    const { controller: c, submitted } = controller();
    await expect(c.submit({ ...valid, platformId: 'other' } as never, undefined, request, scoped)).rejects.toThrow(ForbiddenException);
    const result = await c.submitBatch({ scores: [valid, { ...valid, platformId: 'other' }] }, undefined, request, scoped);
    expect(result.items[1]).toEqual({ index: 1, errors: [expect.stringMatching(/^scores\.1\.platformId: .*"other"/)] });
    expect(submitted).toHaveLength(1);
    await expect(c.submitBatch({ scores: [{ ...valid, platformId: 'other' }] }, undefined, request, scoped)).rejects.toThrow(ForbiddenException);
  });

  it('refuses a timestamp too far ahead of the clock, naming the field', async () => {
    const { controller: c } = controller();
    const error = await c.submit({ ...valid, timestamp: '9999-12-31T23:59:59Z' } as never, undefined, request, grader).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as BadRequestException).getResponse()).toMatchObject({ message: [expect.stringMatching(/^timestamp: /)] });
  });
});
