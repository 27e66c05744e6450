const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02',
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

/**
 * Whether an error is about the infrastructure rather than the record: such
 * failures are retried for as long as it takes and never dead-letter a record.
 */
export function isTransientError(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string }; name?: string; message?: string; retriable?: boolean } | undefined;
  if (!e) return false;
  const code = e.code ?? e.driverError?.code;
  if (code && (TRANSIENT_CODES.has(code) || code.startsWith('08'))) return true;
  if (e.retriable === true || e.name?.startsWith('KafkaJS')) return true;
  const message = e.message ?? '';
  return /Connection terminated|connection timeout|terminating connection|Client has encountered a connection error|ECONNREFUSED|timeout exceeded when trying to connect/i.test(message);
}
