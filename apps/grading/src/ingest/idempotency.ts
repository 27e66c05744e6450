import { nameUuid } from '../common/name-uuid';

/** Fixed: changing it would make every retried request a new event. */
export const IDEMPOTENCY_NAMESPACE = '8b0d6c52-3f1e-5a47-9c2d-6e4f1a7b3c90';

/**
 * The event id of a request with an Idempotency-Key: a name-based UUID of
 * the submitting key's handle and the Idempotency-Key. The same key from the
 * same grader is one event (a retry answers the first event's id); the same
 * key from two graders is two events, so one grader can neither collide with
 * nor probe another's submissions.
 */
export function graderEventId(handle: string, idempotencyKey: string): string {
  return nameUuid(IDEMPOTENCY_NAMESPACE, JSON.stringify([handle, idempotencyKey]));
}
