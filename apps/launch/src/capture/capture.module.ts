import { Module, type DynamicModule } from '@nestjs/common';
import { LaunchSigner } from '@app/auth';
import { ReliablePublisher } from '@app/messaging';
import type { LaunchConfig } from '../launch.config';
import { ServiceKeySealer } from '../sealing/service-key.sealer';
import { CaptureController } from './capture.controller';
import { CaptureService } from './capture.service';
import { JoseThread } from './jose-thread';
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
        LaunchClock,
        // Keys imported once, at boot; sealing and signing run on their own thread, off the event loop.
        { provide: JoseThread, useFactory: () => new JoseThread({ seal: config.VAULT_SEAL_PUBLIC_JWK.key, sign: config.LAUNCH_SIGNING_PRIVATE_JWK.key }) },
        {
          provide: ServiceKeySealer,
          inject: [JoseThread],
          useFactory: (thread: JoseThread) => new ServiceKeySealer(config.VAULT_SEAL_PUBLIC_JWK, (plaintext, header) => thread.encrypt(plaintext, header)),
        },
        {
          provide: LaunchSigner,
          inject: [JoseThread],
          useFactory: (thread: JoseThread) => new LaunchSigner(config.LAUNCH_SIGNING_PRIVATE_JWK, (payload, header) => thread.sign(payload, header)),
        },
        { provide: TOOL_APP_REDIRECT, useValue: new ToolAppRedirect(config.TOOL_APP_URL) },
        { provide: LAUNCH_EVENTS, inject: [ReliablePublisher], useFactory: (publisher: ReliablePublisher) => new KafkaLaunchEventSink(publisher) },
      ],
    };
  }
}
