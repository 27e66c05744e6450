import { Module } from '@nestjs/common';
import { ContextsController } from './contexts.controller';
import { ContextsService } from './contexts.service';
import { LaunchContextRepository } from './launch-context.repository';

/** Non-secret facts of every launch context, for operators and other apps. */
@Module({
  controllers: [ContextsController],
  providers: [ContextsService, LaunchContextRepository],
  exports: [LaunchContextRepository],
})
export class ContextsModule {}
