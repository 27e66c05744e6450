import { DynamicModule, Global, Module } from '@nestjs/common';
import { AuthService } from './auth/auth.service';
import { CredentialsStore } from './auth/credentials.store';
import { LtiaasGuard } from './auth/ltiaas.guard';
import { Clock, EmulatorClock } from './clock/clock';
import { EMULATOR_CONFIG, EmulatorConfig } from './config/emulator.config';
import { FaultEngine } from './faults/fault.engine';
import { Counters } from './inspection/counters';
import { RequestLog } from './inspection/request-log';
import { ContextAccess } from './lms/context-access';
import { CourseStore } from './lms/course.store';
import { EmulatorUrls } from './lms/emulator-urls';
import { GradebookStore } from './lms/gradebook.store';
import { RegistryStore } from './lms/registry.store';
import { RegistrationStore } from './registrations/registration.store';

const shared = [
  EmulatorClock,
  { provide: Clock, useExisting: EmulatorClock },
  EmulatorUrls,
  RegistryStore,
  CourseStore,
  GradebookStore,
  ContextAccess,
  CredentialsStore,
  RegistrationStore,
  AuthService,
  LtiaasGuard,
  FaultEngine,
  Counters,
  RequestLog,
];

/** The in-memory state and the LTIAAS front door, shared by every feature. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: EmulatorConfig): DynamicModule {
    const configProvider = { provide: EMULATOR_CONFIG, useValue: config };
    return { module: CoreModule, providers: [configProvider, ...shared], exports: [configProvider, ...shared] };
  }
}
