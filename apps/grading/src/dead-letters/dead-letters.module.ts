import { Module } from '@nestjs/common';
import { DeadLettersController } from './dead-letters.controller';
import { DeadLettersRepository } from './dead-letters.repository';
import { DeadLettersService } from './dead-letters.service';
import { ScoreReadyDlqConsumer } from './score-ready-dlq.consumer';

@Module({
  controllers: [DeadLettersController],
  providers: [DeadLettersRepository, DeadLettersService, ScoreReadyDlqConsumer],
})
export class DeadLettersModule {}
