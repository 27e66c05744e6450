import { Logger } from '@nestjs/common';
import { DomainError } from '@app/http';
import { LtiaasCredentialInvalidError, LtiaasError, type IdToken, type LtiaasClient } from '@app/ltiaas';

export const ID_TOKEN_SOURCE = Symbol('ID_TOKEN_SOURCE');

/** Reads the ID token of a launch. Fails with DomainError: `unauthorized` (ltik refused) or `bad_gateway` (LTIAAS failed). */
export interface IdTokenSource {
  fetch(ltik: string, requestId: string): Promise<IdToken>;
}

export const LTIK_REFUSED_MESSAGE = 'LTIAAS refused the launch token (ltik): it is invalid or has expired';
export const LTIAAS_FAILED_MESSAGE = 'LTIAAS could not be reached to complete the launch';

/** The ID token from LTIAAS, with ltik auth, through the shared client (one keep-alive pool). */
export class LtiaasIdTokenSource implements IdTokenSource {
  private readonly logger = new Logger(LtiaasIdTokenSource.name);

  constructor(private readonly client: LtiaasClient) {}

  async fetch(ltik: string, requestId: string): Promise<IdToken> {
    try {
      return await this.client.getIdToken(ltik, { requestId });
    } catch (error) {
      if (error instanceof LtiaasCredentialInvalidError) {
        this.logger.warn({ requestId, status: error.status }, 'LTIAAS refused an ltik');
        throw new DomainError('unauthorized', LTIK_REFUSED_MESSAGE);
      }
      if (error instanceof LtiaasError) {
        this.logger.warn({ requestId, kind: error.kind, status: error.status, err: error }, 'LTIAAS idtoken call failed');
        throw new DomainError('bad_gateway', LTIAAS_FAILED_MESSAGE);
      }
      throw error;
    }
  }
}
