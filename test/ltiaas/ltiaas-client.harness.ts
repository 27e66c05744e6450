// Shared by the LtiaasClient suites: an in-process emulator, clients whose
// logs land in memory, a clock that moves with the emulator's, and a record
// of every secret handed out so the suites can prove none leaked.
import { Writable } from 'node:stream';
import { LtiaasClient, LtiaasError, type LtiaasClientOptions } from '@app/ltiaas';
import pino from 'pino';
import { startEmulator, type EmulatorHandle, type LaunchInput, type LaunchResult } from '../support/emulator';

export interface HarnessLaunch extends LaunchResult {
  issuedAt: number;
}

export class ClientHarness {
  readonly logLines: string[] = [];
  readonly errorTexts: string[] = [];
  private readonly secrets = new Set<string>();
  private readonly clients: LtiaasClient[] = [];
  private offsetMs = 0;
  readonly clock = { now: (): number => Date.now() + this.offsetMs };

  private constructor(readonly emulator: EmulatorHandle) {
    this.secrets.add(emulator.apiKey);
  }

  static async start(): Promise<ClientHarness> {
    return new ClientHarness(await startEmulator());
  }

  /** A client at debug level whose logger has no redaction of its own: the client must not emit secrets. */
  client(overrides: Partial<LtiaasClientOptions> = {}): LtiaasClient {
    const sink = new Writable({ write: (chunk, _enc, done) => (this.logLines.push(String(chunk)), done()) });
    const client = new LtiaasClient({
      baseUrl: this.emulator.url,
      apiKey: this.emulator.apiKey,
      clock: this.clock,
      logger: pino({ level: 'debug' }, sink),
      ...overrides,
    });
    this.clients.push(client);
    return client;
  }

  async launch(input: LaunchInput): Promise<HarnessLaunch> {
    const issuedAt = this.clock.now();
    const result = await this.emulator.admin.launch(input);
    this.secrets.add(result.ltik);
    if (result.serviceKey) this.secrets.add(result.serviceKey);
    return { ...result, issuedAt };
  }

  async reset(): Promise<void> {
    this.offsetMs = 0;
    await this.emulator.admin.reset();
  }

  async advanceClock(ms: number): Promise<void> {
    this.offsetMs += ms;
    await this.emulator.admin.advanceClock(ms);
  }

  /** Awaits a rejection, keeps what an operator would see of it, and returns it. */
  async failure(promise: Promise<unknown>): Promise<LtiaasError> {
    const outcome = await promise.then(
      () => undefined,
      (error: unknown) => error,
    );
    if (!(outcome instanceof LtiaasError)) throw new Error(`expected an LtiaasError, got ${String(outcome)}`);
    this.errorTexts.push(outcome.message, outcome.stack ?? '', JSON.stringify(outcome));
    return outcome;
  }

  leakedSecrets(): string[] {
    const everything = [...this.logLines, ...this.errorTexts].join('\n');
    return [...this.secrets].filter((secret) => everything.includes(secret));
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
    await this.emulator.close();
  }
}

export const PLATFORM = 'canvas-test';
export const COURSE = 'course-101';
export const ACTIVITY = 'quiz-1';

export function learners(count: number, prefix = 'learner'): Array<{ userId: string; roles: string[]; name: string }> {
  return Array.from({ length: count }, (_, i) => ({ userId: `${prefix}-${i}`, roles: ['Learner'], name: `Learner ${i}` }));
}
