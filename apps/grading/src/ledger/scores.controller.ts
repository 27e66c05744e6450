import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { JwtAuthGuard, Principal, Scopes, type AuthPrincipal } from '@app/auth';
import { apiSchema, ZodValidationPipe } from '@app/http';
import { scoreQueryParams, type ScoreQueryParams } from './dto/score-query.dto';
import { scoresPage } from './dto/scores-page.response';
import { EVENT_STATES, type EventView } from './event-state';
import type { ScoreView } from './ledger-query.repository';
import { LedgerService } from './ledger.service';
import { SCORE_STATUSES } from './score-status';

const eventIdParam = z.string().min(1).max(200, 'must be at most 200 characters');

const EVENT_VIEW_SCHEMA = {
  type: 'object',
  required: ['id', 'state', 'score', 'receivedAt', 'attempts'],
  properties: {
    id: { type: 'string', description: 'the event id (the CloudEvent id; over HTTP, the `id` of the 202)' },
    state: {
      type: 'string',
      enum: [...EVENT_STATES],
      description:
        '`pending`: on its way to the LMS (or retrying); `waiting-for-launch`: no launch has told grading where to send it yet; `delivered`: the LMS has it; ' +
        '`superseded`: a newer score for the same learner and line item won before it landed; `failed`: the LMS refused it for good (see `reason`); ' +
        '`dead-lettered`: it broke the contract (`reason` names the field)',
    },
    reason: { type: 'string', description: "why it failed, was dead-lettered or superseded; while pending, the last attempt's error" },
    score: { type: 'object', nullable: true, description: 'the ScoreReady data as accepted (for a dead letter, as far as it could be read)' },
    receivedAt: { type: 'string', format: 'date-time' },
    lineItemId: { type: 'string' },
    deliveredAt: { type: 'string', format: 'date-time' },
    attempts: { type: 'integer', description: 'requests made to the LMS for this value' },
    submittedBy: { type: 'string', description: 'handle of the API key that submitted it over HTTP; absent for events published to Kafka' },
  },
};

@ApiTags('scores')
@Controller('v1/scores')
@UseGuards(JwtAuthGuard)
export class ScoresController {
  constructor(private readonly ledger: LedgerService) {}

  @Get()
  @Scopes('scores:read')
  @ApiQuery({ name: 'platformId', required: false })
  @ApiQuery({ name: 'contextId', required: false })
  @ApiQuery({ name: 'resourceLinkId', required: false })
  @ApiQuery({ name: 'userId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: SCORE_STATUSES })
  @ApiQuery({ name: 'after', required: false, description: 'the `next` cursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1..1000, default 100' })
  @ApiQuery({ name: 'attempts', required: false, description: 'most recent attempts per row, default 10' })
  @ApiOperation({ summary: 'Find ledger rows and their delivery state' })
  @ApiOkResponse({ description: 'ledger rows (one per activity, line item and user) with their latest value, delivery state and attempts; a platform-scoped key sees only its platforms', schema: apiSchema(scoresPage, 'output') })
  @ApiForbiddenResponse({ description: '`platformId` names a platform outside the key\'s platforms' })
  find(@Query(new ZodValidationPipe(scoreQueryParams)) query: ScoreQueryParams, @Principal() principal: AuthPrincipal): Promise<{ scores: ScoreView[]; next?: string }> {
    const { attempts, ...filters } = query;
    return this.ledger.find({ ...filters, attemptsPerRow: attempts }, principal);
  }

  @Get('events/:eventId')
  @Scopes('scores:read')
  @ApiOperation({ summary: 'Follow one accepted score event to its end' })
  @ApiParam({ name: 'eventId', description: 'the id of a ScoreReady event, accepted over HTTP or Kafka' })
  @ApiOkResponse({ description: 'what became of the event', schema: EVENT_VIEW_SCHEMA })
  @ApiForbiddenResponse({ description: "the event's platform is outside the key's platforms; the message names it" })
  @ApiNotFoundResponse({ description: 'no event with this id was ever accepted (a dead letter appears within seconds of its record)' })
  event(@Param('eventId', new ZodValidationPipe(eventIdParam)) eventId: string, @Principal() principal: AuthPrincipal): Promise<EventView> {
    return this.ledger.event(eventId, principal);
  }
}
