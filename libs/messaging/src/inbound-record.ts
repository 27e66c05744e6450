/** A record that passed its topic's contract, as a handler receives it. */
export interface InboundRecord<T> {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  value: T;
}

/** What a batch handler answers: the records it refuses for good, with why. */
export interface BatchOutcome {
  rejected?: Array<{ offset: string; reason: string }>;
}

/** Thrown by a handler for a record that can never succeed; it is dead-lettered at once. */
export class PermanentRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentRecordError';
  }
}
