import { Injectable } from '@nestjs/common';

/**
 * Launch times with microseconds, strictly increasing within this process,
 * so two launches of one context a millisecond apart still order exactly
 * (the vault keeps the newer key by comparing them).
 */
@Injectable()
export class LaunchClock {
  private lastMicros = 0;

  nowIso(): string {
    const micros = Math.max(Date.now() * 1000, this.lastMicros + 1);
    this.lastMicros = micros;
    const ms = Math.floor(micros / 1000);
    return `${new Date(ms).toISOString().slice(0, 19)}.${String(micros % 1_000_000).padStart(6, '0')}Z`;
  }
}
