import type { ApiKeyEntity } from '../api-key.entity';

/** What an admin sees of a key: never its secret or hash. */
export interface ApiKeyView {
  handle: string;
  alias: string | null;
  scopes: string[];
  /** Platform ids the key is limited to; null when it reaches every platform. */
  platforms: string[] | null;
  /** The key's first characters, to recognise it in a secret scanner's report. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** The answer to a creation: the only time the secret is ever shown. */
export interface CreatedApiKeyView extends ApiKeyView {
  apiKey: string;
}

export function apiKeyView(entity: ApiKeyEntity): ApiKeyView {
  return {
    handle: entity.handle,
    alias: entity.alias,
    scopes: entity.scopes,
    platforms: entity.platforms,
    prefix: entity.keyPrefix,
    createdAt: entity.createdAt.toISOString(),
    lastUsedAt: entity.lastUsedAt?.toISOString() ?? null,
  };
}
