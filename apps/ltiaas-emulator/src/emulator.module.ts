import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { EmulatorExceptionFilter } from './common/exception.filter';
import { EmulatorConfig } from './config/emulator.config';
import { CoreModule } from './core.module';
import {
  AdminModule,
  HealthModule,
  IdTokenModule,
  LineItemsModule,
  MembershipsModule,
  PlatformsModule,
  RegistrationsModule,
  ScoresModule,
} from './features.modules';

@Module({})
export class EmulatorModule {
  static forRoot(config: EmulatorConfig): DynamicModule {
    return {
      module: EmulatorModule,
      imports: [
        CoreModule.forRoot(config),
        IdTokenModule,
        // Scores before line items: `/:lineItemID/scores` must not be read as a line item id.
        ScoresModule,
        LineItemsModule,
        MembershipsModule,
        PlatformsModule,
        RegistrationsModule,
        HealthModule,
        ...(config.adminKey ? [AdminModule] : []),
      ],
      providers: [{ provide: APP_FILTER, useClass: EmulatorExceptionFilter }],
    };
  }
}
