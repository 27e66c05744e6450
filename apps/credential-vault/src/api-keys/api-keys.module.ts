import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { API_KEY_SETTINGS, ApiKeyAuthenticator, type ApiKeySettings } from './api-key.authenticator';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeyRevocation } from './api-key.revocation';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeyRequestMetrics } from './api-key-request.metrics';
import { ApiKeysService } from './api-keys.service';
import { BootstrapKeyController } from './bootstrap-key.controller';
import { BootstrapKeyRepository } from './bootstrap-key.repository';
import { BootstrapKeyService } from './bootstrap-key.service';
import { RevocationsController } from './revocations.controller';
import { UnpepperedKeysCheck } from './unpeppered-keys.check';

@Module({})
export class ApiKeysModule {
  static forRoot(settings: ApiKeySettings): DynamicModule {
    return {
      module: ApiKeysModule,
      imports: [TypeOrmModule.forFeature([ApiKeyEntity])],
      controllers: [ApiKeysController, BootstrapKeyController, RevocationsController],
      providers: [
        { provide: API_KEY_SETTINGS, useValue: settings },
        ApiKeysRepository,
        BootstrapKeyRepository,
        ApiKeysService,
        ApiKeyAuthenticator,
        ApiKeyRevocation,
        BootstrapKeyService,
        ApiKeyRequestMetrics,
        UnpepperedKeysCheck,
      ],
      exports: [ApiKeyAuthenticator, ApiKeyRevocation],
    };
  }
}
