import { createHash } from 'node:crypto';

/**
 * Fixed namespace of backfill event ids. Changing it would give every line of
 * an already-imported file a new id, so a re-run would no longer be a no-op.
 */
export const BACKFILL_ID_NAMESPACE = '2f1c7e4a-9b3d-5e8f-a6c1-3d7b9e0f4a21';

/**
 * The event id of one line of one file: a name-based UUID (RFC 9562 version 5)
 * of the file's SHA-256 and the line number. Importing the same file twice
 * yields the same ids, which the grading consumer treats as already seen.
 */
export function backfillEventId(fileSha256: string, lineNumber: number): string {
  const namespace = Buffer.from(BACKFILL_ID_NAMESPACE.replace(/-/g, ''), 'hex');
  const digest = createHash('sha1').update(namespace).update(`${fileSha256}:${lineNumber}`).digest();
  const bytes = digest.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
