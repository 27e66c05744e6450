import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { LedgerModule } from '../ledger/ledger.module';
import { SyncStatusModule } from '../sync-status/sync-status.module';
import { OperatorController } from './operator.controller';
import { OperatorService } from './operator.service';
import { PlatformRatesRepository } from './platform-rates.repository';
import { RosterIdentitiesRepository } from './roster-identities.repository';

/** GET /v1/operator/*: what the operator console shows. */
@Module({
  imports: [SyncStatusModule, JobsModule, LedgerModule],
  controllers: [OperatorController],
  providers: [OperatorService, PlatformRatesRepository, RosterIdentitiesRepository],
})
export class OperatorModule {}
