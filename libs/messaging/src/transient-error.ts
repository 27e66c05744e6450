const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '25006', // read_only_sql_transaction: an old primary after a failover
  '55P03', // lock_not_available
]);

/** PostgreSQL classes that are about the server, never the record: 08 connection, 53 resources (disk full, out of memory, too many connections), 57 operator intervention (shutdown, statement timeout). */
const TRANSIENT_CLASSES = ['08', '53', '57'];

/** PostgreSQL classes about the values written: 22 data exception (invalid byte sequence, numeric out of range), 23 integrity constraint, 54 program limit (an index row too large). */
const RECORD_DATA_CLASSES = ['22', '23', '54'];

/**
 * Whether the database refused a record's values: retrying the same record
 * cannot succeed, so it is dead-lettered at once rather than after backoff.
 */
export function isRecordDataError(error: unknown): boolean {
  const e = error as { code?: unknown; driverError?: { code?: unknown } } | undefined;
  const code = e?.code ?? e?.driverError?.code;
  return typeof code === 'string' && code.length === 5 && RECORD_DATA_CLASSES.some((c) => code.startsWith(c));
}

/**
 * Whether an error is about the infrastructure rather than the record: such
 * failures are retried for as long as it takes and never dead-letter a record.
 */
export function isTransientError(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string }; name?: string; message?: string; retriable?: boolean } | undefined;
  if (!e) return false;
  const code = e.code ?? e.driverError?.code;
  if (code && (TRANSIENT_CODES.has(code) || TRANSIENT_CLASSES.some((c) => code.startsWith(c)))) return true;
  if (e.retriable === true || e.name?.startsWith('KafkaJS')) return true;
  const message = e.message ?? '';
  // node-postgres's own failures carry no code.
  return /Connection terminated|connection timeout|terminating connection|Client has encountered a connection error|ECONNREFUSED|timeout exceeded when trying to connect|Query read timeout/i.test(message);
}
