import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard, Scopes } from '@app/auth';
import { apiSchema, ZodValidationPipe } from '@app/http';
import { learnerQuery, learnerResponse, overviewResponse, waitingResponse, type LearnerQuery, type LearnerResponse, type OverviewResponse, type WaitingResponse } from './dto/operator.dto';
import { OperatorService } from './operator.service';

/** Read-only views for the operator console (support staff and SREs). */
@ApiTags('operator')
@Controller('v1/operator')
@UseGuards(JwtAuthGuard)
@Scopes('admin')
export class OperatorController {
  constructor(private readonly operator: OperatorService) {}

  @Get('overview')
  @ApiOperation({ summary: 'Sync state: the /health/sync checks, delivery per platform over the last hour, the last job runs' })
  @ApiOkResponse({ schema: apiSchema(overviewResponse) })
  overview(): Promise<OverviewResponse> {
    return this.operator.overview();
  }

  @Get('learners')
  @ApiOperation({ summary: "One learner's scores per course and line item, with their state and delivery attempts" })
  @ApiOkResponse({ schema: apiSchema(learnerResponse) })
  learner(@Query(new ZodValidationPipe(learnerQuery)) query: LearnerQuery): Promise<LearnerResponse> {
    return this.operator.learner(query.q);
  }

  @Get('waiting-for-launch')
  @ApiOperation({ summary: 'Activities whose serviceKey is stale or missing: how many scores wait on each, since when' })
  @ApiOkResponse({ schema: apiSchema(waitingResponse) })
  waitingForLaunch(): Promise<WaitingResponse> {
    return this.operator.waitingForLaunch();
  }
}
