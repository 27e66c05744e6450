import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@app/http';
import { ApiKeyPepper, digestOf, EnvelopeCipher } from '../crypto';
import { displayPrefix, generateApiKey } from './api-key-format';
import { apiKeyDigestAad } from './api-key.digest';
import { ApiKeyRevocation } from './api-key.revocation';
import { ApiKeysRepository, HandleTakenError } from './api-keys.repository';
import { apiKeyView, type ApiKeyView, type CreatedApiKeyView } from './dto/api-key.view';
import type { CreateApiKeyBody } from './dto/create-api-key.dto';
import { HANDLE_PATTERN } from './dto/create-api-key.dto';

/** Issuing, reading and revoking API keys (admin use cases; the keys CLI runs them against the database too). */
@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly revocation: ApiKeyRevocation,
    private readonly pepper: ApiKeyPepper,
    private readonly cipher: EnvelopeCipher,
  ) {}

  async create(body: CreateApiKeyBody, actor: string): Promise<CreatedApiKeyView> {
    const apiKey = generateApiKey();
    const id = randomUUID();
    const digest = digestOf(apiKey);
    try {
      const entity = await this.keys.insert({
        id,
        handle: body.handle,
        alias: body.alias ?? null,
        scopes: body.scopes,
        platforms: body.platforms ?? null,
        keyHash: this.pepper.pepper(digest),
        hashKeyId: this.pepper.activeKeyId,
        keyDigest: await this.cipher.encrypt(digest.toString('base64url'), apiKeyDigestAad(id)),
        keyPrefix: displayPrefix(apiKey),
      });
      this.logger.log({ handle: entity.handle, scopes: entity.scopes, platforms: entity.platforms, prefix: entity.keyPrefix, actor }, 'API key created');
      return { ...apiKeyView(entity), apiKey };
    } catch (error) {
      if (error instanceof HandleTakenError) throw new DomainError('conflict', error.message);
      throw error;
    }
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.keys.listActive()).map(apiKeyView);
  }

  async get(handle: string): Promise<ApiKeyView> {
    const entity = HANDLE_PATTERN.test(handle) ? await this.keys.findActive(handle) : null;
    if (!entity) throw new DomainError('not_found', `no API key with handle "${handle}"`);
    return apiKeyView(entity);
  }

  /**
   * Effective at once for token exchanges and the vault's own endpoints
   * (ApiKeyRevocation); grading learns of it from GET /v1/revocations within seconds.
   */
  async revoke(handle: string, actor: string): Promise<void> {
    const revoked = HANDLE_PATTERN.test(handle) ? await this.keys.revoke(handle) : null;
    if (!revoked) throw new DomainError('not_found', `no API key with handle "${handle}"`);
    this.revocation.forget(revoked);
    this.logger.log({ handle, actor }, 'API key revoked');
  }
}
