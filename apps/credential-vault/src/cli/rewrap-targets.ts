import type { DataSource } from 'typeorm';
import { ServiceKeyRewrapTarget } from '../credentials/service-key.rewrap-target';
import type { RewrapTarget } from '../crypto/rewrap-target';
import { SigningKeyRewrapTarget } from '../signing-keys/signing-key.rewrap-target';

/** Every table holding EnvelopeCipher secrets; `npm run rewrap` walks them in this order. */
export function rewrapTargets(dataSource: DataSource): RewrapTarget[] {
  return [new ServiceKeyRewrapTarget(dataSource), new SigningKeyRewrapTarget(dataSource)];
}
