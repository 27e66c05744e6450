import { Module } from '@nestjs/common';
import { ContextsModule } from '../contexts/contexts.module';
import { AppliedLaunchEventsRepository } from './applied-launch-events.repository';
import { CredentialsController } from './credentials.controller';
import { CredentialsService } from './credentials.service';
import { LaunchCaptureService } from './launch-capture.service';
import { LaunchCapturedConsumer } from './launch-captured.consumer';
import { ServiceKeyRepository } from './service-key.repository';

/** serviceKeys: captured from LaunchCaptured, encrypted at rest, resolved for authorised services. */
@Module({
  imports: [ContextsModule],
  controllers: [CredentialsController, LaunchCapturedConsumer],
  providers: [CredentialsService, LaunchCaptureService, ServiceKeyRepository, AppliedLaunchEventsRepository],
  exports: [ServiceKeyRepository],
})
export class CredentialsModule {}
