import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module';
import { DeadLettersController } from './dead-letters.controller';
import { DeadLettersRepository } from './dead-letters.repository';
import { DeadLettersService } from './dead-letters.service';
import { ScoreReadyDlqConsumer } from './score-ready-dlq.consumer';

@Module({
  imports: [LedgerModule],
  controllers: [DeadLettersController, ScoreReadyDlqConsumer],
  providers: [DeadLettersRepository, DeadLettersService],
  exports: [DeadLettersRepository],
})
export class DeadLettersModule {}
