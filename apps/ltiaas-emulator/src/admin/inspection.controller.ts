import { Body, Controller, Delete, Get, HttpCode, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { EmulatorClock } from '../clock/clock';
import { parseAdmin } from '../common/validation';
import { FaultsConfig, FaultsConfigSchema } from '../faults/fault-config';
import { FaultEngine, InjectedFault } from '../faults/fault.engine';
import { Counters, CountersSnapshot } from '../inspection/counters';
import { RequestLog, RequestLogEntry } from '../inspection/request-log';
import { GradebookStore } from '../lms/gradebook.store';
import { GradeRecord } from '../lms/lms.types';
import { AdminKeyGuard } from './admin-key.guard';
import { AdvanceClockInput, GradebookQuery } from './dto/admin.dto';
import { ResetService } from './reset.service';

export type GradebookEntry = Omit<GradeRecord, 'instant'>;

/** Faults, clock, and everything tests look at afterwards. */
@ApiExcludeController()
@UseGuards(AdminKeyGuard)
@Controller('__admin')
export class InspectionController {
  constructor(
    private readonly resetService: ResetService,
    private readonly faults: FaultEngine,
    private readonly clock: EmulatorClock,
    private readonly gradebookStore: GradebookStore,
    private readonly requestLog: RequestLog,
    private readonly counterSet: Counters,
  ) {}

  @Post('reset')
  @HttpCode(204)
  reset(): void {
    this.resetService.reset();
  }

  @Put('faults')
  @HttpCode(204)
  setFaults(@Body() body: unknown): void {
    this.faults.configure(parseAdmin(FaultsConfigSchema, body));
  }

  @Delete('faults')
  @HttpCode(204)
  clearFaults(): void {
    this.faults.configure({ rules: [] });
  }

  @Get('faults')
  getFaults(): { config: FaultsConfig; injected: InjectedFault[] } {
    return { config: this.faults.current(), injected: this.faults.injectedFaults() };
  }

  @Get('clock')
  now(): { now: string } {
    return { now: new Date(this.clock.now()).toISOString() };
  }

  @Post('clock/advance')
  advance(@Body() body: unknown): { now: string } {
    this.clock.advance(parseAdmin(AdvanceClockInput, body).ms);
    return this.now();
  }

  @Get('gradebook')
  gradebook(@Query() query: unknown): { entries: GradebookEntry[] } {
    const entries = this.gradebookStore.entries(parseAdmin(GradebookQuery, query)).map(({ instant: _instant, ...entry }) => entry);
    return { entries };
  }

  @Get('requests')
  requests(): { requests: RequestLogEntry[] } {
    return { requests: this.requestLog.entries() };
  }

  @Get('counters')
  counters(): CountersSnapshot {
    return this.counterSet.snapshot();
  }
}
