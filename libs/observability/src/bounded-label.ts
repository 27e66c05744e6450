/** The label value every value past the cap is folded into. */
export const OTHER_LABEL_VALUE = 'other';

/**
 * Keeps a label's distinct values bounded, so an outside party (a new
 * platform registering, a typo in an id) cannot grow the number of series
 * without limit: the first `limit` distinct values keep their name, every
 * later one is reported as `other`. A process restart re-learns the set.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly limit: number) {}

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.limit) return OTHER_LABEL_VALUE;
    this.seen.add(value);
    return value;
  }
}
