import { Injectable } from '@nestjs/common';
import type { JwksSource } from '@app/auth';
import type { JSONWebKeySet } from 'jose';
import { SigningKeysService } from './signing-keys.service';

/**
 * The vault verifies its own tokens from its database, not over HTTP to
 * itself. Served from SigningKeysService's short cache, which a rotation in
 * this process clears, so an unknown kid may be looked up at any time.
 */
@Injectable()
export class LocalJwksSource implements JwksSource {
  constructor(private readonly keys: SigningKeysService) {}

  load(): Promise<JSONWebKeySet> {
    return this.keys.publicJwks();
  }
}
