import { BadRequestException, Body, Controller, Headers, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBody, ApiHeader, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { JwtAuthGuard, Scopes } from '@app/auth';
import { scoreReadyData, type ScoreReadyData } from '@app/contracts';
import { apiSchema, describeIssues, ZodValidationPipe } from '@app/http';
import { idempotencyKey, scoreBatchEnvelope, type BatchAccepted, type BatchItemResult, type ScoreBatchEnvelope } from './dto/score-batch.dto';
import { ScoreIngestService, type ScoreSubmission } from './score-ingest.service';

@ApiTags('scores')
@Controller('v1/scores')
@UseGuards(JwtAuthGuard)
export class IngestController {
  constructor(private readonly ingest: ScoreIngestService) {}

  @Post()
  @HttpCode(202)
  @Scopes('scores:write')
  @ApiBody({ schema: apiSchema(scoreReadyData) })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'becomes the event id: a retried request with the same key is a no-op' })
  @ApiAcceptedResponse({ description: 'on the event log; `id` is the event id' })
  @ApiBadRequestResponse({ description: 'the message names each field at fault' })
  @ApiServiceUnavailableResponse({ description: 'the event log is unavailable; retry after Retry-After seconds' })
  async submit(
    @Body(new ZodValidationPipe(scoreReadyData)) score: ScoreReadyData,
    @Headers('idempotency-key') key: string | undefined,
    @Req() request: FastifyRequest,
  ): Promise<{ id: string }> {
    const eventId = parseKey(key);
    const [id] = await this.ingest.submit([{ data: score, eventId }], String(request.id));
    return { id };
  }

  @Post('batch')
  @HttpCode(202)
  @Scopes('scores:write')
  @ApiBody({ schema: { type: 'object', properties: { scores: { type: 'array', maxItems: 1000, items: apiSchema(scoreReadyData) } }, required: ['scores'] } })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'item i gets the event id `<key>:<i>`' })
  @ApiAcceptedResponse({ description: 'per item, in order: `{index, id}` when accepted, `{index, errors}` when not' })
  @ApiBadRequestResponse({ description: 'the envelope is malformed, or no item is valid (each error names `scores.<index>.<field>`)' })
  async submitBatch(
    @Body(new ZodValidationPipe(scoreBatchEnvelope)) body: ScoreBatchEnvelope,
    @Headers('idempotency-key') key: string | undefined,
    @Req() request: FastifyRequest,
  ): Promise<BatchAccepted> {
    const prefix = parseKey(key);
    const items: BatchItemResult[] = [];
    const valid: Array<ScoreSubmission & { index: number }> = [];
    body.scores.forEach((item, index) => {
      const parsed = scoreReadyData.safeParse(item);
      if (parsed.success) valid.push({ index, data: parsed.data, eventId: prefix === undefined ? undefined : `${prefix}:${index}` });
      else items.push({ index, errors: describeIssues(parsed.error).map((e) => `scores.${index}.${e}`) });
    });
    if (valid.length === 0) throw new BadRequestException(items.flatMap((i) => ('errors' in i ? i.errors : [])));
    const ids = await this.ingest.submit(valid, String(request.id));
    valid.forEach((v, n) => items.push({ index: v.index, id: ids[n] }));
    items.sort((a, b) => a.index - b.index);
    return { accepted: valid.length, rejected: body.scores.length - valid.length, items };
  }
}

function parseKey(key: string | undefined): string | undefined {
  const parsed = idempotencyKey.safeParse(key);
  if (!parsed.success) throw new BadRequestException(parsed.error.issues.map((i) => `Idempotency-Key: ${i.message}`));
  return parsed.data;
}
