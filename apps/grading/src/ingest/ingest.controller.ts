import { BadRequestException, Body, Controller, ForbiddenException, Headers, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBody, ApiForbiddenResponse, ApiHeader, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { JwtAuthGuard, Principal, Scopes, type AuthPrincipal } from '@app/auth';
import { scoreReadyData, type ScoreReadyData } from '@app/contracts';
import { apiSchema, describeIssues, ZodValidationPipe } from '@app/http';
import { platformRefusal } from '../common/platform-access';
import { idempotencyKey, scoreBatchEnvelope, type BatchAccepted, type BatchItemResult, type ScoreBatchEnvelope } from './dto/score-batch.dto';
import { batchAccepted, scoreAccepted } from './dto/score-accepted.response';
import { graderEventId } from './idempotency';
import { ScoreAdmission } from './score-admission';
import { ScoreIngestService, type ScoreSubmission } from './score-ingest.service';

@ApiTags('scores')
@Controller('v1/scores')
@UseGuards(JwtAuthGuard)
export class IngestController {
  constructor(
    private readonly ingest: ScoreIngestService,
    private readonly admission: ScoreAdmission,
  ) {}

  @Post()
  @HttpCode(202)
  @Scopes('scores:write')
  @ApiOperation({ summary: 'Submit one score' })
  @ApiBody({ schema: apiSchema(scoreReadyData) })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'a retried request with the same key from the same API key is a no-op and answers the same event id; two API keys never share an event' })
  @ApiAcceptedResponse({ description: 'on the event log; `id` is the event id (follow it at GET /v1/scores/events/{id})', schema: apiSchema(scoreAccepted, 'output') })
  @ApiBadRequestResponse({ description: 'the message names each field at fault (also a timestamp more than SCORE_MAX_FUTURE_SKEW_SECONDS ahead)' })
  @ApiForbiddenResponse({ description: 'the key is limited to other platforms; the message names the platform' })
  @ApiServiceUnavailableResponse({ description: 'the event log is unavailable; retry after Retry-After seconds' })
  async submit(
    @Body(new ZodValidationPipe(scoreReadyData)) score: ScoreReadyData,
    @Headers('idempotency-key') key: string | undefined,
    @Req() request: FastifyRequest,
    @Principal() principal: AuthPrincipal,
  ): Promise<{ id: string }> {
    const parsedKey = parseKey(key);
    const refusal = platformRefusal(principal, score.platformId);
    if (refusal) throw new ForbiddenException(refusal);
    const issue = this.admission.issue(score);
    if (issue) throw new BadRequestException([issue]);
    const eventId = parsedKey === undefined ? undefined : graderEventId(principal.handle, parsedKey);
    const [id] = await this.ingest.submit([{ data: score, eventId }], String(request.id), principal.handle);
    return { id };
  }

  @Post('batch')
  @HttpCode(202)
  @Scopes('scores:write')
  @ApiOperation({ summary: 'Submit up to 1000 scores at once' })
  @ApiBody({ schema: { type: 'object', properties: { scores: { type: 'array', maxItems: 1000, items: apiSchema(scoreReadyData) } }, required: ['scores'] } })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'item i gets the event id derived from this API key and `<key>:<i>`' })
  @ApiAcceptedResponse({ description: 'per item, in order: `{index, id}` when accepted, `{index, errors}` when not (a platform outside the key\'s platforms is an item error naming it)', schema: apiSchema(batchAccepted, 'output') })
  @ApiBadRequestResponse({ description: 'the envelope is malformed, or no item is valid (each error names `scores.<index>.<field>`)' })
  @ApiForbiddenResponse({ description: 'every item is for a platform outside the key\'s platforms' })
  async submitBatch(
    @Body(new ZodValidationPipe(scoreBatchEnvelope)) body: ScoreBatchEnvelope,
    @Headers('idempotency-key') key: string | undefined,
    @Req() request: FastifyRequest,
    @Principal() principal: AuthPrincipal,
  ): Promise<BatchAccepted> {
    const prefix = parseKey(key);
    const items: BatchItemResult[] = [];
    const valid: Array<ScoreSubmission & { index: number }> = [];
    let forbidden = 0;
    body.scores.forEach((item, index) => {
      const parsed = scoreReadyData.safeParse(item);
      if (!parsed.success) return items.push({ index, errors: describeIssues(parsed.error).map((e) => `scores.${index}.${e}`) });
      const refusal = platformRefusal(principal, parsed.data.platformId);
      if (refusal) forbidden++;
      const issue = refusal ?? this.admission.issue(parsed.data);
      if (issue) return items.push({ index, errors: [`scores.${index}.${issue}`] });
      valid.push({ index, data: parsed.data, eventId: prefix === undefined ? undefined : graderEventId(principal.handle, `${prefix}:${index}`) });
    });
    if (valid.length === 0) {
      const errors = items.flatMap((i) => ('errors' in i ? i.errors : []));
      throw forbidden === body.scores.length ? new ForbiddenException(errors) : new BadRequestException(errors);
    }
    const ids = await this.ingest.submit(valid, String(request.id), principal.handle);
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
