import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard, Scopes } from '@app/auth';
import { ZodValidationPipe } from '@app/http';
import { scoreQueryParams, type ScoreQueryParams } from './dto/score-query.dto';
import type { ScoreView } from './ledger-query.repository';
import { LedgerService } from './ledger.service';

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
  @ApiQuery({ name: 'status', required: false, enum: ['pending', 'delivered', 'superseded', 'waiting_for_launch', 'failed'] })
  @ApiQuery({ name: 'after', required: false, description: 'the `next` cursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1..1000, default 100' })
  @ApiQuery({ name: 'attempts', required: false, description: 'most recent attempts per row, default 10' })
  @ApiOkResponse({ description: 'ledger rows (one per activity, line item and user) with their latest value, delivery state and attempts' })
  find(@Query(new ZodValidationPipe(scoreQueryParams)) query: ScoreQueryParams): Promise<{ scores: ScoreView[]; next?: string }> {
    const { attempts, ...filters } = query;
    return this.ledger.find({ ...filters, attemptsPerRow: attempts });
  }
}
