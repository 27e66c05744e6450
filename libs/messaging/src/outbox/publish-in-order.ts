import type { EventPublisher } from '../event-publisher';
import type { OutboxRecord } from './outbox.store';

/** Publishes records in their order: each run of consecutive records of one topic is one request. */
export async function publishInOrder(publisher: EventPublisher, records: readonly OutboxRecord[], timeoutMs: number): Promise<void> {
  let start = 0;
  while (start < records.length) {
    let end = start + 1;
    while (end < records.length && records[end].topic === records[start].topic) end++;
    const run = records.slice(start, end);
    await publisher.publish(
      run[0].topic,
      run.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
      { timeoutMs },
    );
    start = end;
  }
}
