/** Node's codes for a TLS peer whose certificate does not verify. */
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

type ErrorLike = { name?: string; message?: string; type?: string; code?: unknown; cause?: unknown };

/**
 * Why the cluster refuses us, when it does: credentials it does not accept, an
 * ACL we lack, or a certificate we do not trust. Such errors do not pass with
 * time or a restart, only with a fix on one side, so callers report them (log,
 * readiness) and keep waiting instead of crashing. Undefined for anything else.
 * kafkajs wraps errors in retry errors; the cause chain is followed.
 */
export function kafkaRefusal(error: unknown): string | undefined {
  let current = error as ErrorLike | undefined;
  for (let depth = 0; current && typeof current === 'object' && depth < 6; depth++, current = current.cause as ErrorLike | undefined) {
    const message = current.message ?? '';
    if (current.name === 'KafkaJSSASLAuthenticationError' || /^SASL .*authentication failed/i.test(message)) {
      return `the broker refused our SASL credentials (KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD): ${message}`;
    }
    if (typeof current.type === 'string' && current.type.endsWith('_AUTHORIZATION_FAILED')) {
      return `the broker's ACLs refuse this principal (${current.type}): ${message}`;
    }
    if (typeof current.code === 'string' && UNTRUSTED_CERTIFICATE.has(current.code)) {
      return `the broker's TLS certificate is not trusted (${current.code}; see KAFKA_SSL_CA_FILE): ${message}`;
    }
  }
  return undefined;
}

/**
 * What readiness may say of a refusal: its kind and the variable to look at
 * (`the broker's ACLs refuse this principal (TOPIC_AUTHORIZATION_FAILED)`),
 * not the broker's or the driver's own words, which go to the log.
 */
export function refusalHeadline(reason: string): string {
  const end = reason.indexOf('): ');
  return end === -1 ? reason : reason.slice(0, end + 1);
}

/** Kafka is there but refuses this app; `headline` is fit for an answer anyone can read. */
export class KafkaRefusedError extends Error {
  constructor(
    readonly headline: string,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * Refusals seen by this app's Kafka clients, by who saw them (a consumer group,
 * a producer's topic), until that client gets through; readiness reports them.
 */
export class KafkaRefusals {
  private readonly refusals = new Map<string, string>();

  report(source: string, reason: string): void {
    this.refusals.set(source, reason);
  }

  clear(source: string): void {
    this.refusals.delete(source);
  }

  all(): Array<{ source: string; reason: string }> {
    return [...this.refusals].map(([source, reason]) => ({ source, reason }));
  }
}
