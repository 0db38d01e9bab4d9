// The hashing both event store adapters chain their events with: SHA-256 over fields written as
// `<length>:<text>`, so no two different field lists hash the same input.
import { createHash } from 'node:crypto';

/** The previous hash of a stream's first event, and of the log's first event. */
export const CHAIN_START = '';

export function chainDigest(parts: readonly (string | number)[]): string {
  let text = '';
  for (const part of parts) {
    const value = String(part);
    text += `${value.length}:${value}`;
  }
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
