import { z } from 'zod';
import { infrastructureEnv, port } from '@app/config';

export const vaultEnv = infrastructureEnv.extend({
  VAULT_PORT: port(3002),
});
export type VaultConfig = z.infer<typeof vaultEnv>;
