import { Module, type DynamicModule } from '@nestjs/common';
import { LaunchSigner } from '@app/auth';
import { ReliablePublisher } from '@app/messaging';
import type { LaunchConfig } from '../launch.config';
import { SEAL_PUBLIC_KEY, ServiceKeySealer } from '../sealing/service-key.sealer';
import { CaptureController } from './capture.controller';
import { CaptureService } from './capture.service';
import { LaunchClock } from './launch-clock';
import { KafkaLaunchEventSink, LAUNCH_EVENTS } from './launch-event.sink';
import { TOOL_APP_REDIRECT, ToolAppRedirect } from './tool-app.redirect';

@Module({})
export class CaptureModule {
  static forRoot(config: LaunchConfig): DynamicModule {
    return {
      module: CaptureModule,
      controllers: [CaptureController],
      providers: [
        CaptureService,
        ServiceKeySealer,
        LaunchClock,
        // Imported once, at boot: the hot path only encrypts.
        { provide: SEAL_PUBLIC_KEY, useValue: config.VAULT_SEAL_PUBLIC_JWK },
        { provide: LaunchSigner, useValue: new LaunchSigner(config.LAUNCH_SIGNING_PRIVATE_JWK) },
        { provide: TOOL_APP_REDIRECT, useValue: new ToolAppRedirect(config.TOOL_APP_URL) },
        { provide: LAUNCH_EVENTS, inject: [ReliablePublisher], useFactory: (publisher: ReliablePublisher) => new KafkaLaunchEventSink(publisher) },
      ],
    };
  }
}
