import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { LedgerModule } from '../ledger/ledger.module';
import { GradingMetricsModule } from '../metrics/metrics.module';
import { RostersModule } from '../rosters/rosters.module';
import { GradeSyncJob } from './grade-sync.job';
import { JobRunner } from './job-runner';
import { JobScheduler } from './job-scheduler';
import { ShutdownLog } from './shutdown.log';
import { SyncRunsRepository } from './sync-runs.repository';
import { SyncController } from './sync.controller';
import { SyncService } from './sync.service';

/** The nightly grade sync and roster refresh: cron, one runner across replicas, admin triggers, run records. */
@Module({
  imports: [ScheduleModule.forRoot(), GradingMetricsModule, LedgerModule, RostersModule],
  controllers: [SyncController],
  providers: [GradeSyncJob, SyncRunsRepository, JobRunner, JobScheduler, SyncService, ShutdownLog],
  exports: [SyncRunsRepository, JobRunner],
})
export class JobsModule {}
