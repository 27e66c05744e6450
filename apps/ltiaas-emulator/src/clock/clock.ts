import { Injectable } from '@nestjs/common';

/** The emulator's notion of "now", so tests can age ltiks without waiting 24 hours. */
export abstract class Clock {
  abstract now(): number;
}

@Injectable()
export class EmulatorClock extends Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
