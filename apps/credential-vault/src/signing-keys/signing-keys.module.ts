import { Module, type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LocalJwksSource } from './local-jwks.source';
import { SigningKeyEntity } from './signing-key.entity';
import { SigningKeyRotationJob } from './signing-key-rotation.job';
import { SigningKeysController } from './signing-keys.controller';
import { SigningKeysRepository } from './signing-keys.repository';
import { SIGNING_KEY_SETTINGS, SigningKeysService, type SigningKeySettings } from './signing-keys.service';

@Module({})
export class SigningKeysModule {
  static forRoot(settings: SigningKeySettings): DynamicModule {
    return {
      module: SigningKeysModule,
      imports: [ScheduleModule.forRoot(), TypeOrmModule.forFeature([SigningKeyEntity])],
      controllers: [SigningKeysController],
      providers: [{ provide: SIGNING_KEY_SETTINGS, useValue: settings }, SigningKeysRepository, SigningKeysService, SigningKeyRotationJob, LocalJwksSource],
      exports: [SigningKeysService, LocalJwksSource],
    };
  }
}
