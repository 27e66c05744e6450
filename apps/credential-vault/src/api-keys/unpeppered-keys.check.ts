import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ApiKeysRepository } from './api-keys.repository';

/** Says at start-up when keys stored before keyed hashing are waiting for `npm run rewrap` (until then they are refused). */
@Injectable()
export class UnpepperedKeysCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger(UnpepperedKeysCheck.name);

  constructor(private readonly keys: ApiKeysRepository) {}

  async onApplicationBootstrap(): Promise<void> {
    const count = await this.keys.countUnpeppered();
    if (count > 0) this.logger.error({ count }, 'API keys stored with a plain SHA-256 are refused until `npm run rewrap` peppers them');
  }
}
