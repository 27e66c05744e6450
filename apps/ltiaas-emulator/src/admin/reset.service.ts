import { Injectable } from '@nestjs/common';
import { CredentialsStore } from '../auth/credentials.store';
import { EmulatorClock } from '../clock/clock';
import { FaultEngine } from '../faults/fault.engine';
import { Counters } from '../inspection/counters';
import { RequestLog } from '../inspection/request-log';
import { CourseStore } from '../lms/course.store';
import { GradebookStore } from '../lms/gradebook.store';
import { RegistryStore } from '../lms/registry.store';
import { RegistrationStore } from '../registrations/registration.store';

/** Back to the state right after start-up (EMULATOR_FAULTS re-applied, clock at real time). */
@Injectable()
export class ResetService {
  constructor(
    private readonly registry: RegistryStore,
    private readonly courses: CourseStore,
    private readonly gradebook: GradebookStore,
    private readonly credentials: CredentialsStore,
    private readonly registrations: RegistrationStore,
    private readonly faults: FaultEngine,
    private readonly counters: Counters,
    private readonly requestLog: RequestLog,
    private readonly clock: EmulatorClock,
  ) {}

  reset(): void {
    this.registry.reset();
    this.courses.reset();
    this.gradebook.reset();
    this.credentials.reset();
    this.registrations.reset();
    this.clock.reset();
    this.faults.reset();
    this.counters.reset();
    this.requestLog.reset();
  }
}
