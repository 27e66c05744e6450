/** Binds each sealed key digest to its row: a digest copied to another key does not open. */
export function apiKeyDigestAad(id: string): string {
  return `vault.api_keys:${id}`;
}
