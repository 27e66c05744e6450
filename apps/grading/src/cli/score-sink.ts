import type { ScoreReadyData } from '@app/contracts';

/** One valid line of the file, ready to send. */
export interface BackfillRecord {
  lineNumber: number;
  /** Deterministic per (file, line): the consumer's idempotency key. */
  id: string;
  data: ScoreReadyData;
}

export interface RecordFailure {
  lineNumber: number;
  reason: string;
}

/**
 * Where the scores go: straight to Kafka or through grading's HTTP ingest.
 * `send` resolves once the whole batch is durably accepted, listing the
 * records the target refused for good; it rejects when the target is
 * unavailable, which stops the run (a re-run is safe).
 */
export interface ScoreSink {
  /** For the summary: the topic or URL written to. */
  readonly target: string;
  send(records: BackfillRecord[]): Promise<{ failed: RecordFailure[] }>;
  close(): Promise<void>;
}
