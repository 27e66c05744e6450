import { contextKey, type ContextTriple } from '@app/contracts';

/**
 * The additional authenticated data of a stored serviceKey: its purpose and
 * its row's primary key. A ciphertext copied to another row fails to open.
 */
export function serviceKeyAad(triple: ContextTriple): string {
  return `service-key:${contextKey(triple)}`;
}
