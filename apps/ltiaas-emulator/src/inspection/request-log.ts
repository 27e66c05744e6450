import { Inject, Injectable } from '@nestjs/common';
import { EMULATOR_CONFIG, EmulatorConfig } from '../config/emulator.config';
import { RingBuffer } from './ring-buffer';

/** What the emulator remembers of a request: never a header, so never a secret. */
export interface RequestLogEntry {
  seq: number;
  at: string;
  method: string;
  /** Path and query as received. */
  path: string;
  endpoint: string | null;
  scheme: 'LTIK' | 'SVC' | 'BEARER' | null;
  platformId: string | null;
  /** 0 when the connection was reset on purpose. */
  status: number;
  durationMs: number;
  fault: string | null;
}

/** As kept in memory: the time as a number, formatted only when someone asks. */
type StoredEntry = Omit<RequestLogEntry, 'at'> & { at: number };

@Injectable()
export class RequestLog {
  private readonly buffer: RingBuffer<StoredEntry>;
  private seq = 0;

  constructor(@Inject(EMULATOR_CONFIG) config: EmulatorConfig) {
    this.buffer = new RingBuffer(config.requestLogSize);
  }

  /** `at`: epoch milliseconds on the emulator clock. */
  record(entry: Omit<StoredEntry, 'seq'>): void {
    this.buffer.push({ seq: ++this.seq, ...entry });
  }

  entries(): RequestLogEntry[] {
    return this.buffer.toArray().map((e) => ({ ...e, at: new Date(e.at).toISOString() }));
  }

  reset(): void {
    this.buffer.clear();
    this.seq = 0;
  }
}
