import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SyncRunsRepository } from '../jobs/sync-runs.repository';
import { LedgerMaintenanceRepository } from '../ledger/ledger-maintenance.repository';
import { SyncHealthController } from './sync-health.controller';
import { SyncStatusService } from './sync-status.service';

/** GET /health/sync. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', logger: false })],
  controllers: [SyncHealthController],
  providers: [SyncStatusService, SyncRunsRepository, LedgerMaintenanceRepository],
  exports: [SyncStatusService],
})
export class SyncStatusModule {}
