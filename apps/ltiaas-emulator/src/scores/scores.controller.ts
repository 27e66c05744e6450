import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ContextAuth } from '../auth/auth.service';
import { CallerContext, LtiaasEndpoint } from '../auth/ltiaas-endpoint.decorator';
import { parseLtiaas } from '../common/validation';
import { ResultList, ResultsQuery, ScoreBody } from './score.dto';
import { ScoresService } from './scores.service';

const LINE_ITEM_ID = { name: 'lineItemID', description: 'The full line-item URL, percent-encoded as one path segment' };

@ApiTags('LTIAAS: scores')
@Controller('api/lineitems/:lineItemID/scores')
export class ScoresController {
  constructor(private readonly scores: ScoresService) {}

  @Post()
  @HttpCode(204)
  @LtiaasEndpoint({ name: 'scores.post', auth: ['LTIK', 'SVC'], service: 'ags' })
  @ApiOperation({ summary: 'Post one score for one user' })
  @ApiParam(LINE_ITEM_ID)
  @ApiBody({ schema: z.toJSONSchema(ScoreBody, { io: 'input' }) as Record<string, unknown> })
  @ApiResponse({ status: 204, description: 'Accepted' })
  @ApiResponse({ status: 422, description: 'User not found in course or is not a student (LMS error, wrapped)' })
  post(@CallerContext() caller: ContextAuth, @Param('lineItemID') id: string, @Body() body: unknown): void {
    this.scores.post(caller, id, parseLtiaas(ScoreBody, body, 'score'));
  }

  @Get()
  @LtiaasEndpoint({ name: 'scores.list', auth: ['LTIK', 'SVC'], service: 'ags' })
  @ApiOperation({ summary: 'Results of the line item (AGS Result service)' })
  @ApiParam(LINE_ITEM_ID)
  list(@CallerContext() caller: ContextAuth, @Param('lineItemID') id: string, @Query() query: unknown): ResultList {
    return this.scores.results(caller, id, parseLtiaas(ResultsQuery, query, 'query'));
  }
}
