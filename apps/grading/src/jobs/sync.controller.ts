import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiConflictResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard, Scopes } from '@app/auth';
import { apiSchema, ZodValidationPipe } from '@app/http';
import {
  gradeSyncRequest,
  rosterRefreshRequest,
  runId,
  runQueryParams,
  type GradeSyncRequest,
  type RosterRefreshRequest,
  type RunQueryParams,
} from './dto/sync-requests.dto';
import { syncRunDetailView, syncRunsPage, syncRunView } from './dto/sync-run.response';
import type { SyncRun } from './sync-run';
import { SyncService, type SyncRunDetail } from './sync.service';

@ApiTags('sync')
@Controller('v1/sync')
@UseGuards(JwtAuthGuard)
@Scopes('admin')
export class SyncController {
  constructor(private readonly sync: SyncService) {}

  @Post('grades')
  @HttpCode(202)
  @ApiOperation({ summary: 'Run a grade sync now' })
  @ApiBody({ schema: apiSchema(gradeSyncRequest), required: false })
  @ApiAcceptedResponse({ description: 'the run started; follow it at GET /v1/sync/runs/{id}', schema: apiSchema(syncRunView, 'output') })
  @ApiConflictResponse({ description: 'a grade sync is already running (here or on another replica)' })
  syncGrades(@Body(new ZodValidationPipe(gradeSyncRequest.optional().transform((b) => b ?? {}))) body: GradeSyncRequest): Promise<SyncRun> {
    return this.sync.syncGrades(body);
  }

  @Post('rosters')
  @HttpCode(202)
  @ApiOperation({ summary: 'Run a roster refresh now' })
  @ApiBody({ schema: apiSchema(rosterRefreshRequest), required: false })
  @ApiAcceptedResponse({ description: 'the run started; follow it at GET /v1/sync/runs/{id}', schema: apiSchema(syncRunView, 'output') })
  @ApiConflictResponse({ description: 'a roster refresh is already running (here or on another replica)' })
  refreshRosters(@Body(new ZodValidationPipe(rosterRefreshRequest.optional().transform((b) => b ?? {}))) body: RosterRefreshRequest): Promise<SyncRun> {
    return this.sync.refreshRosters(body);
  }

  @Get('runs')
  @ApiQuery({ name: 'job', required: false, enum: ['grade-sync', 'roster-refresh'] })
  @ApiQuery({ name: 'status', required: false, enum: ['running', 'succeeded', 'failed', 'interrupted'] })
  @ApiQuery({ name: 'before', required: false, description: 'the `next` cursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiOperation({ summary: 'List grade sync and roster refresh runs' })
  @ApiOkResponse({ description: 'runs, newest first: start, end, counts, outcome', schema: apiSchema(syncRunsPage, 'output') })
  runs(@Query(new ZodValidationPipe(runQueryParams)) query: RunQueryParams): Promise<{ runs: SyncRun[]; next?: string }> {
    return this.sync.list(query);
  }

  @Get('runs/:id')
  @ApiOperation({ summary: 'Read one run' })
  @ApiOkResponse({ description: 'one run; a roster refresh lists each context it finished', schema: apiSchema(syncRunDetailView, 'output') })
  run(@Param('id', new ZodValidationPipe(runId)) id: string): Promise<SyncRunDetail> {
    return this.sync.get(id);
  }
}
