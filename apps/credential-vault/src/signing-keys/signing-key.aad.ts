/** Binds each sealed private key to its row: a ciphertext copied to another kid does not open. */
export function privateKeyAad(kid: string): string {
  return `vault.signing_keys:${kid}`;
}
