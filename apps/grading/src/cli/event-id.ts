import { nameUuid } from '../common/name-uuid';

/**
 * Fixed namespace of backfill event ids. Changing it would give every line of
 * an already-imported file a new id, so a re-run would no longer be a no-op.
 */
export const BACKFILL_ID_NAMESPACE = '2f1c7e4a-9b3d-5e8f-a6c1-3d7b9e0f4a21';

/**
 * The event id of one line of one file: a name-based UUID (RFC 9562 version 5)
 * of the file's SHA-256 and the line number. Importing the same file twice
 * yields the same ids, which the grading consumer treats as already seen.
 * (Over HTTP the id is sent as the Idempotency-Key, from which grading
 * derives the event id per key: still the same on every re-run.)
 */
export function backfillEventId(fileSha256: string, lineNumber: number): string {
  return nameUuid(BACKFILL_ID_NAMESPACE, `${fileSha256}:${lineNumber}`);
}
