// Types the test helper (test/support/emulator.ts) re-exports to other suites.
export type { GradebookEntry } from './admin/inspection.controller';
export type { CountersSnapshot } from './inspection/counters';
export type { RequestLogEntry } from './inspection/request-log';
export type { FaultsConfigInput, FaultRule } from './faults/fault-config';
export type { InjectedFault } from './faults/fault.engine';
