import { Module } from '@nestjs/common';
import { LedgerMaintenanceRepository } from './ledger-maintenance.repository';
import { LedgerQueryRepository } from './ledger-query.repository';
import { LedgerWriterRepository } from './ledger-writer.repository';
import { LedgerMetrics } from './ledger.metrics';
import { LedgerService } from './ledger.service';
import { ScoresController } from './scores.controller';

@Module({
  controllers: [ScoresController],
  providers: [LedgerWriterRepository, LedgerQueryRepository, LedgerMaintenanceRepository, LedgerService, LedgerMetrics],
  exports: [LedgerService],
})
export class LedgerModule {}
