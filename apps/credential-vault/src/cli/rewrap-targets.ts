import type { DataSource } from 'typeorm';
import { ApiKeyRewrapTarget } from '../api-keys/api-key.rewrap-target';
import { ServiceKeyRewrapTarget } from '../credentials/service-key.rewrap-target';
import type { ApiKeyPepper } from '../crypto/api-key-pepper';
import type { RewrapTarget } from '../crypto/rewrap-target';
import { SigningKeyRewrapTarget } from '../signing-keys/signing-key.rewrap-target';

/** Every table holding EnvelopeCipher secrets or master-key-derived hashes; `npm run rewrap` walks them in this order. */
export function rewrapTargets(dataSource: DataSource, pepper: ApiKeyPepper): RewrapTarget[] {
  return [new ServiceKeyRewrapTarget(dataSource), new SigningKeyRewrapTarget(dataSource), new ApiKeyRewrapTarget(dataSource, pepper)];
}
