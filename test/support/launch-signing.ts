// launch's signing pair for suites and benchmarks: one per process, so the
// launch, vault and grading a suite starts (and the Launcher that stands in
// for launch) agree without passing keys around; a suite that needs a pair
// of its own (a wrong key) makes one with launchSigningPair().
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { loadConfig } from '@app/config';
import { LaunchSigner, launchSigningPrivateJwkSchema } from '@app/auth';
import type { LaunchCapturedEvent } from '@app/contracts';
import { z } from 'zod';

export interface LaunchSigningPair {
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
  /** LAUNCH_SIGNING_PRIVATE_JWK (launch) and LAUNCH_SIGNING_PUBLIC_JWKS (vault, grading). */
  env: { LAUNCH_SIGNING_PRIVATE_JWK: string; LAUNCH_SIGNING_PUBLIC_JWKS: string };
  /** The event with `launchsignature` set, as launch signs it. */
  sign<T extends Omit<LaunchCapturedEvent, 'launchsignature'>>(event: T): Promise<T & { launchsignature: string }>;
}

/** A fresh Ed25519 pair (or P-256, signing ES256). */
export function launchSigningPair(curve: 'Ed25519' | 'P-256' = 'Ed25519'): LaunchSigningPair {
  const { publicKey, privateKey } = curve === 'Ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateJwk = privateKey.export({ format: 'jwk' });
  const publicJwk = publicKey.export({ format: 'jwk' });
  const env = { LAUNCH_SIGNING_PRIVATE_JWK: JSON.stringify(privateJwk), LAUNCH_SIGNING_PUBLIC_JWKS: JSON.stringify([publicJwk]) };
  const signer = new LaunchSigner(loadConfig(z.object({ LAUNCH_SIGNING_PRIVATE_JWK: launchSigningPrivateJwkSchema }), env).LAUNCH_SIGNING_PRIVATE_JWK);
  return { privateJwk, publicJwk, env, sign: async (event) => ({ ...event, launchsignature: await signer.sign(event) }) };
}

/** The pair every app of this process is given unless a suite says otherwise. */
export const testLaunchSigning: LaunchSigningPair = launchSigningPair();
