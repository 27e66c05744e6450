import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module';
import { ContextsRepository } from './contexts.repository';
import { ContextsService } from './contexts.service';
import { LaunchCapturedConsumer } from './launch-captured.consumer';

@Module({
  imports: [LedgerModule],
  controllers: [LaunchCapturedConsumer],
  providers: [ContextsRepository, ContextsService],
  exports: [ContextsRepository],
})
export class ContextsModule {}
