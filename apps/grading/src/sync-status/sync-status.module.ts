import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { JobsModule } from '../jobs/jobs.module';
import { LedgerModule } from '../ledger/ledger.module';
import { SyncHealthController } from './sync-health.controller';
import { SyncStatusMetrics } from './sync-status.metrics';
import { SyncStatusService } from './sync-status.service';

/** GET /health/sync, and the job ages on /metrics. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false }), JobsModule, LedgerModule],
  controllers: [SyncHealthController],
  providers: [SyncStatusService, SyncStatusMetrics],
  exports: [SyncStatusService],
})
export class SyncStatusModule {}
