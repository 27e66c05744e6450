import { Injectable } from '@nestjs/common';

export interface CountersSnapshot {
  requests: number;
  byStatus: Record<string, number>;
  byEndpoint: Record<string, number>;
  faults: Record<string, number>;
  launches: number;
  scoresAccepted: number;
  scoresRefused: number;
  connectionResets: number;
  /** Score posts that arrived while another post for the same (line item, user) was still being answered. */
  overlappingScorePosts: number;
  /** Scores applied with a timestamp older than the one on record ("stamped" platforms apply them; strict ones refuse). */
  scoreRegressions: number;
  /** CPU the emulator's process has used (user + system), for throughput per core. */
  processCpuMs: number;
}

const bump = (map: Map<string, number>, key: string): void => {
  map.set(key, (map.get(key) ?? 0) + 1);
};

/** Running totals for the inspection API; plain increments, cheap on the hot path. */
@Injectable()
export class Counters {
  private requests = 0;
  private byStatus = new Map<string, number>();
  private byEndpoint = new Map<string, number>();
  private faults = new Map<string, number>();
  launches = 0;
  scoresAccepted = 0;
  scoresRefused = 0;
  connectionResets = 0;
  overlappingScorePosts = 0;
  scoreRegressions = 0;
  /** Score posts being answered, per (line item, user). */
  private readonly postsInFlight = new Map<string, number>();

  /** A score post arrived: counts an overlap if one for the same (line item, user) is still open; call the answer when answered. */
  scorePostOpened(lineItemId: string, userId: string): () => void {
    const key = `${lineItemId}\n${userId}`;
    const open = this.postsInFlight.get(key) ?? 0;
    if (open > 0) this.overlappingScorePosts++;
    this.postsInFlight.set(key, open + 1);
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      const left = (this.postsInFlight.get(key) ?? 1) - 1;
      if (left > 0) this.postsInFlight.set(key, left);
      else this.postsInFlight.delete(key);
    };
  }

  request(endpoint: string, status: number): void {
    this.requests++;
    bump(this.byStatus, String(status));
    bump(this.byEndpoint, endpoint);
  }

  fault(kind: string): void {
    bump(this.faults, kind);
  }

  snapshot(): CountersSnapshot {
    return {
      requests: this.requests,
      byStatus: Object.fromEntries(this.byStatus),
      byEndpoint: Object.fromEntries(this.byEndpoint),
      faults: Object.fromEntries(this.faults),
      launches: this.launches,
      scoresAccepted: this.scoresAccepted,
      scoresRefused: this.scoresRefused,
      connectionResets: this.connectionResets,
      overlappingScorePosts: this.overlappingScorePosts,
      scoreRegressions: this.scoreRegressions,
      processCpuMs: cpuMs(),
    };
  }

  reset(): void {
    this.requests = 0;
    this.byStatus = new Map();
    this.byEndpoint = new Map();
    this.faults = new Map();
    this.launches = 0;
    this.scoresAccepted = 0;
    this.scoresRefused = 0;
    this.connectionResets = 0;
    this.overlappingScorePosts = 0;
    this.scoreRegressions = 0;
  }
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 1000);
}
