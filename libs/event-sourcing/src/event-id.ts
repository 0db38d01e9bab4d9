// Deterministic event ids (UUIDv5-style, SHA-1 over a namespace and a name), so a retried command
// produces the same ids and the store refuses a second copy.
import { createHash, randomUUID } from 'node:crypto';

const NAMESPACE = 'chronicle-events-v1';

export function deterministicEventId(...parts: readonly (string | number)[]): string {
  const hash = createHash('sha1').update(NAMESPACE).update('\u0000').update(parts.join('\u0000')).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function newEventId(): string {
  return randomUUID();
}
