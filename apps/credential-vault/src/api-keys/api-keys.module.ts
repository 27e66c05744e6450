import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { API_KEY_SETTINGS, ApiKeyAuthenticator, type ApiKeySettings } from './api-key.authenticator';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeyRevocation } from './api-key.revocation';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';

@Module({})
export class ApiKeysModule {
  static forRoot(settings: ApiKeySettings): DynamicModule {
    return {
      module: ApiKeysModule,
      imports: [TypeOrmModule.forFeature([ApiKeyEntity])],
      controllers: [ApiKeysController],
      providers: [{ provide: API_KEY_SETTINGS, useValue: settings }, ApiKeysRepository, ApiKeysService, ApiKeyAuthenticator, ApiKeyRevocation],
      exports: [ApiKeyAuthenticator, ApiKeyRevocation],
    };
  }
}
