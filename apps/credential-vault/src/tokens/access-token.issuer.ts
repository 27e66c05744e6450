import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { ACCESS_TOKEN_TYPE, formatScopeClaim } from '@app/auth';
import { SigningKeysService } from '../signing-keys/signing-keys.service';

export const TOKEN_SETTINGS = Symbol('TOKEN_SETTINGS');

export interface TokenSettings {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  scope: string;
}

/** Signs access tokens (RFC 9068 shape) with the active signing key. */
@Injectable()
export class AccessTokenIssuer {
  constructor(
    private readonly signingKeys: SigningKeysService,
    @Inject(TOKEN_SETTINGS) private readonly settings: TokenSettings,
  ) {}

  /**
   * `apiKeyId` goes in the `akid` claim, so the token is refused once that key is revoked;
   * `platforms` (a scoped key's list) in the `platforms` claim, left out for an unrestricted key.
   */
  async issue(subject: string, scopes: readonly string[], apiKeyId?: string, platforms?: readonly string[]): Promise<IssuedToken> {
    const key = await this.signingKeys.activeSigningKey();
    const issuedAt = Math.floor(Date.now() / 1000);
    const scope = formatScopeClaim(scopes);
    const accessToken = await new SignJWT({ scope, client_id: subject, ...(apiKeyId ? { akid: apiKeyId } : {}), ...(platforms ? { platforms: [...platforms] } : {}) })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ACCESS_TOKEN_TYPE })
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setSubject(subject)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(issuedAt + this.settings.ttlSeconds)
      .setJti(randomUUID())
      .sign(key.privateKey);
    return { accessToken, expiresIn: this.settings.ttlSeconds, scope };
  }
}
