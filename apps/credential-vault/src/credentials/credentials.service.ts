import { Injectable, Logger } from '@nestjs/common';
import { contextKey, type ContextTriple } from '@app/contracts';
import { DomainError } from '@app/http';
import { AuditLog } from '../audit/audit.log';
import { EnvelopeCipher } from '../crypto/envelope-cipher';
import { SecretIntegrityError, UnknownMasterKeyError } from '../crypto/sealed-secret';
import type { Caller } from './caller';
import type { ResolvedCredential, StaleMark, StaleRequest } from './dto/credentials.dto';
import { serviceKeyAad } from './service-key.aad';
import { ServiceKeyRepository } from './service-key.repository';

/** Hands serviceKeys to authorised services, and takes their word that one went stale. Every call is audited. */
@Injectable()
export class CredentialsService {
  private readonly logger = new Logger(CredentialsService.name);

  constructor(
    private readonly keys: ServiceKeyRepository,
    private readonly cipher: EnvelopeCipher,
    private readonly audit: AuditLog,
  ) {}

  async resolve(triple: ContextTriple, caller: Caller): Promise<ResolvedCredential> {
    const stored = await this.keys.find(triple);
    const subjectId = contextKey(triple);
    const record = (outcome: string, detail: Record<string, unknown> = {}) =>
      this.audit.record({ actor: caller.actor, action: 'service-key.resolve', subjectType: 'service-key', subjectId, detail: { outcome, ...detail }, correlationId: caller.correlationId });
    if (!stored) {
      await record('not-found');
      throw new DomainError('not_found', 'no serviceKey has been captured for this context; it arrives with the next launch that has grades or roster services');
    }
    if (stored.staleAt) {
      await record('stale', { capturedAt: stored.capturedAt, staleAt: stored.staleAt });
      throw new DomainError('conflict', `the serviceKey of this context was marked stale at ${stored.staleAt}; the next launch of the context replaces it`);
    }
    let serviceKey: string;
    try {
      serviceKey = await this.cipher.decrypt(stored.sealed, serviceKeyAad(triple));
    } catch (error) {
      if (error instanceof UnknownMasterKeyError) {
        this.logger.error({ subjectId, masterKeyId: error.keyId }, 'stored serviceKey is wrapped by a master key this vault does not hold');
        await record('unknown-master-key', { masterKeyId: error.keyId });
        throw new DomainError('unavailable', `the stored serviceKey of this context is wrapped by master key "${error.keyId}", which this vault does not hold`);
      }
      if (error instanceof SecretIntegrityError) {
        this.logger.error({ subjectId, part: error.part }, 'stored serviceKey failed its integrity check');
        await record('integrity-failure', { part: error.part });
        throw new DomainError('conflict', `the stored serviceKey of this context failed its integrity check (${error.part}) and cannot be used; the next launch of the context replaces it`);
      }
      throw error;
    }
    await record('resolved', { capturedAt: stored.capturedAt, version: stored.version });
    return { ...triple, serviceKey, capturedAt: stored.capturedAt, services: stored.services };
  }

  async markStale(request: StaleRequest, caller: Caller): Promise<StaleMark> {
    const triple: ContextTriple = { platformId: request.platformId, contextId: request.contextId, resourceLinkId: request.resourceLinkId };
    const result = await this.keys.markStale(triple, request.reason, request.capturedAt);
    await this.audit.record({
      actor: caller.actor,
      action: 'service-key.stale',
      subjectType: 'service-key',
      subjectId: contextKey(triple),
      detail: { outcome: !result ? 'not-found' : result.marked ? 'marked' : 'newer-key-kept', reason: request.reason ?? null, reportedCapturedAt: request.capturedAt ?? null },
      correlationId: caller.correlationId,
    });
    if (!result) throw new DomainError('not_found', 'no serviceKey has been captured for this context');
    return { ...triple, stale: result.marked, capturedAt: result.capturedAt, staleAt: result.marked ? result.staleAt : null };
  }
}
