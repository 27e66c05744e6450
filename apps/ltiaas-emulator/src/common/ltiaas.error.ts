import { STATUS_CODES } from 'node:http';

/** `details` of the LTIAAS error envelope (reference §3; SDK `apiError.ts` schema). */
export interface LtiaasErrorDetails {
  code?: string;
  message?: string;
  description?: string;
  errors?: Array<{ path: string; message: string }>;
  bodyReceived?: unknown;
  externalError?: boolean;
  externalUrl?: string;
}

export interface LtiaasErrorBody {
  status: number;
  error: string;
  details: LtiaasErrorDetails;
}

export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/**
 * An answer in LTIAAS's `{ status, error, details }` envelope. Services throw
 * it; the exception filter sends it as is.
 */
export class LtiaasError extends Error {
  constructor(
    readonly status: number,
    readonly details: LtiaasErrorDetails,
    readonly headers: Readonly<Record<string, string>> = {},
    /** The envelope's `error`; the status's reason phrase unless LTIAAS put a code there. */
    readonly error: string = reasonPhrase(status),
  ) {
    super(details.message ?? error);
  }

  body(): LtiaasErrorBody {
    return { status: this.status, error: this.error, details: this.details };
  }

  /** The one 401 body the reference documents for ltik and serviceKey failures. */
  static invalidCredential(): LtiaasError {
    return new LtiaasError(401, { message: 'INVALID_LTIK_AUTH_AUTHORIZATION_HEADER', description: 'Invalid or expired ltik.' });
  }

  /** The 401 the reference documents for Bearer endpoints. */
  static invalidApiKey(): LtiaasError {
    return new LtiaasError(401, { message: 'INVALID_LTIK_AUTH_AUTHORIZATION_HEADER', description: 'Invalid API key' });
  }

  static validation(description: string, errors: LtiaasErrorDetails['errors'] = []): LtiaasError {
    return new LtiaasError(400, { message: 'INVALID_REQUEST', description, errors });
  }

  static notFound(description: string): LtiaasError {
    return new LtiaasError(404, { message: 'NOT_FOUND', description });
  }

  static conflict(description: string): LtiaasError {
    return new LtiaasError(409, { message: 'CONFLICT', description });
  }

  /** A failure the LMS returned, wrapped the way LTIAAS reports external errors. */
  static fromLms(status: number, bodyReceived: unknown, externalUrl?: string, headers: Record<string, string> = {}): LtiaasError {
    const details: LtiaasErrorDetails = { message: reasonPhrase(status).toUpperCase().replace(/\W+/g, '_'), bodyReceived, externalError: true };
    if (externalUrl !== undefined) details.externalUrl = externalUrl;
    return new LtiaasError(status, details, headers);
  }
}

/** Thrown to make the exception filter drop the connection without an answer. */
export class ConnectionResetSignal extends Error {
  constructor() {
    super('connection reset by fault injection');
  }
}
