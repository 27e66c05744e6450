import { Module } from '@nestjs/common';
import { ContextsRepository } from './contexts.repository';
import { ContextsService } from './contexts.service';
import { LaunchCapturedConsumer } from './launch-captured.consumer';

@Module({
  controllers: [LaunchCapturedConsumer],
  providers: [ContextsRepository, ContextsService],
  exports: [ContextsRepository],
})
export class ContextsModule {}
