import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module';
import { IngestController } from './ingest.controller';
import { ScoreAdmission } from './score-admission';
import { ScoreIngestService } from './score-ingest.service';
import { ScoreReadyConsumer } from './score-ready.consumer';

@Module({
  imports: [LedgerModule],
  controllers: [IngestController, ScoreReadyConsumer],
  providers: [ScoreIngestService, ScoreAdmission],
})
export class IngestModule {}
