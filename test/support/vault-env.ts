// A complete, valid environment for credential-vault and launch: master keys,
// the seal key pair and a bootstrap admin key, all freshly generated, and
// launch's signing pair (the process's own, see launch-signing.ts).
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { testLaunchSigning } from './launch-signing';

export type SealCurve = 'P-256' | 'X25519';

export interface SealKeyPair {
  publicJwk: JWK;
  privateJwk: JWK;
}

export interface VaultSecretsEnv {
  VAULT_MASTER_KEYS: string;
  VAULT_SEAL_PRIVATE_JWK: string;
  VAULT_SEAL_PUBLIC_JWK: string;
  BOOTSTRAP_ADMIN_API_KEY: string;
  LAUNCH_SIGNING_PRIVATE_JWK: string;
  LAUNCH_SIGNING_PUBLIC_JWKS: string;
}

export interface VaultEnvOptions {
  /** Master key ids, the first active; default one key `k1`. */
  masterKeyIds?: string[];
  curve?: SealCurve;
}

/** A fresh ECDH-ES seal key pair as JWKs (VAULT_SEAL_PRIVATE_JWK / VAULT_SEAL_PUBLIC_JWK). */
export async function sealKeyPair(curve: SealCurve = 'P-256'): Promise<SealKeyPair> {
  const { publicKey, privateKey } = await generateKeyPair('ECDH-ES', { crv: curve, extractable: true });
  return { publicJwk: await exportJWK(publicKey), privateJwk: await exportJWK(privateKey) };
}

/** `id:base64key,...` with fresh 32-byte keys, the first active. */
export function masterKeys(ids: string[]): string {
  return ids.map((id) => `${id}:${randomBytes(32).toString('base64')}`).join(',');
}

/** Every secret-bearing variable the vault and launch need; merge it into an app env. */
export async function vaultSecretsEnv(options: VaultEnvOptions = {}): Promise<VaultSecretsEnv> {
  const seal = await sealKeyPair(options.curve);
  return {
    VAULT_MASTER_KEYS: masterKeys(options.masterKeyIds ?? ['k1']),
    VAULT_SEAL_PRIVATE_JWK: JSON.stringify(seal.privateJwk),
    VAULT_SEAL_PUBLIC_JWK: JSON.stringify(seal.publicJwk),
    BOOTSTRAP_ADMIN_API_KEY: `bootstrap-${randomBytes(18).toString('base64url')}`,
    ...testLaunchSigning.env,
  };
}
