// Tamper evidence on EventStoreDB: what is hashed, what a seal is, and the walk that checks both.
//
// - Stream chain, written at append time: each event's metadata carries `$chronicleHash`, SHA-256
//   over its stream predecessor's hash and the event as appended (id, stream, revision, type,
//   canonical JSON of data and of the envelope metadata). The adapter appends at the exact revision
//   it chained to, so the predecessor is always the event it read. `$` keys are the adapter's own
//   and never reach readers.
// - Log chain, written after the fact: the global order of $all is only known once the server has
//   committed, and appenders in many processes cannot chain to each other without a global lock. A
//   single sealer (one instance under the supervisor, with a lease, fenced by the seal stream's
//   expected revision) follows $all and appends seals to `$chronicle-seals`: each lists the events it
//   covers (position, stream, revision, stream hash, recordedAt) and chains them, seal after seal.
// Residual window: an event appended but not sealed yet is protected by its stream chain only, so
// removing the newest event(s) of a stream before the sealer saw them cannot be detected. The
// window is the sealer's lag (normally under a second; reported as the pipeline's lag in
// /health/ready). `verify log` says how many events are still unsealed.
import { canonicalJson, type EventMetadata } from '@app/event-sourcing';
import type { BrokenLink, LogVerification, VerifyLogOptions } from '../event-store.port';
import { CHAIN_START, chainDigest } from '../hash-chain';

/** Metadata key of an event's stream-chain hash. */
export const CHAIN_HASH_KEY = '$chronicleHash';
export const SEALS_STREAM = '$chronicle-seals';
export const SEAL_EVENT_TYPE = '$chronicle-seal';
/** Per customer: the streams that customer's events are in (see the sealer), for by-customer reads. */
export const CUSTOMER_STREAMS_PREFIX = '$chronicle-customer-';
export const CUSTOMER_STREAM_EVENT_TYPE = '$chronicle-customer-stream';

export function customerStreamsStream(customerId: string): string {
  return `${CUSTOMER_STREAMS_PREFIX}${customerId}`;
}

export interface ChainableEvent {
  readonly eventId: string;
  readonly streamId: string;
  readonly revision: number;
  readonly type: string;
  readonly data: unknown;
  /** The envelope, without the adapter's `$` keys. */
  readonly metadata: EventMetadata;
}

export function streamChainHash(previousInStream: string, event: ChainableEvent): string {
  return chainDigest([previousInStream, event.eventId, event.streamId, event.revision, event.type, canonicalJson(event.data), canonicalJson(event.metadata)]);
}

/** One sealed event: [position, streamId, revision, stream-chain hash, recordedAt]. */
export type SealEntry = readonly [number, string, number, string, string];

export interface Seal {
  /** The previous seal's hash ('' for the first seal). */
  readonly previous: string;
  /** The log chain over every entry, continued from `previous`. */
  readonly hash: string;
  readonly entries: readonly SealEntry[];
}

export function sealHash(previous: string, entries: readonly SealEntry[]): string {
  let hash = previous;
  for (const [position, streamId, revision, streamHash, recordedAt] of entries) hash = chainDigest([hash, position, streamId, revision, streamHash, recordedAt]);
  return hash;
}

export function makeSeal(previous: string, entries: readonly SealEntry[]): Seal {
  return { previous, hash: sealHash(previous, entries), entries };
}

/** An event of $all as the walk sees it: readable fields plus its stored stream-chain hash. */
export interface StoredChainedEvent extends ChainableEvent {
  readonly position: number;
  readonly recordedAt: string;
  /** `$chronicleHash` as stored, or null when the event carries none. */
  readonly hash: string | null;
}

export interface ChainSources {
  /** Every user event of $all, in order. */
  readonly events: AsyncIterable<StoredChainedEvent>;
  /** Every seal, in order. */
  readonly seals: AsyncIterable<Seal>;
  /** The stored hash of one event of a stream (its predecessor's), or null when that event is missing. */
  previousHash(streamId: string, revision: number): Promise<string | null>;
  /** The head position, for progress reports. */
  readonly head: number;
}

const PROGRESS_EVERY = 5_000;
/** Streams whose last hash the walk remembers; older ones are read back from the server when needed. */
const REMEMBERED_STREAMS = 100_000;

/** Walks $all and the seals side by side; the first link that does not hold is the answer. */
export async function verifySealedLog(sources: ChainSources, options: VerifyLogOptions = {}): Promise<LogVerification> {
  const seals = sources.seals[Symbol.asyncIterator]();
  const pending: SealEntry[] = [];
  const recent = new Map<string, { revision: number; hash: string }>();
  let sealsEnded = false;
  let previousSeal = CHAIN_START;
  let checked = 0;
  let unsealed = 0;
  let head: { position: number; hash: string } | null = null;
  let sealedUpTo = 0;

  const result = (broken?: BrokenLink): LogVerification => ({ ok: broken === undefined, events: checked, head, ...(broken ? { broken } : {}), unsealed });

  /** The next sealed entry, pulling (and checking) the next seal when the current one is used up. */
  const nextEntry = async (): Promise<{ entry: SealEntry } | { broken: BrokenLink } | null> => {
    while (pending.length === 0) {
      if (sealsEnded) return null;
      const next = await seals.next();
      if (next.done) {
        sealsEnded = true;
        return null;
      }
      const seal = next.value;
      const first = seal.entries[0];
      const where = first ? { streamId: first[1], revision: first[2], position: first[0] } : { streamId: null, revision: null, position: sealedUpTo + 1 };
      if (seal.previous !== previousSeal) return { broken: { ...where, reason: 'a seal does not follow the seal before it: a seal was removed or replaced' } };
      if (sealHash(seal.previous, seal.entries) !== seal.hash) return { broken: { ...where, reason: "a seal's entries do not match its hash" } };
      previousSeal = seal.hash;
      pending.push(...seal.entries);
    }
    return { entry: pending.shift() as SealEntry };
  };

  let hashedSeen = false;
  for await (const event of sources.events) {
    const at = (reason: string): LogVerification => result({ streamId: event.streamId, revision: event.revision, position: event.position, reason });
    // Events written before tamper evidence carry no hash: accepted only as the log's beginning (the
    // seals still pin them down by position, stream and revision), never after a hashed event.
    const storedHash = event.hash ?? CHAIN_START;
    if (event.hash === null && hashedSeen) return at('it carries no hash');
    hashedSeen ||= event.hash !== null;
    let previous: string | null = CHAIN_START;
    if (event.hash === null) {
      // nothing to recompute
    } else if (event.revision > 0) {
      const known = recent.get(event.streamId);
      previous = known?.revision === event.revision - 1 ? known.hash : await sources.previousHash(event.streamId, event.revision - 1);
      if (previous === null) return at(`revision ${event.revision - 1} of ${event.streamId} is missing`);
    }
    if (event.hash !== null && streamChainHash(previous, event) !== event.hash) return at('its content (id, stream, revision, type, data or metadata) does not match its hash');
    recent.delete(event.streamId);
    recent.set(event.streamId, { revision: event.revision, hash: storedHash });
    if (recent.size > REMEMBERED_STREAMS) recent.delete(recent.keys().next().value as string);

    const next = await nextEntry();
    if (next === null) {
      unsealed += 1;
    } else if ('broken' in next) {
      return result(next.broken);
    } else {
      const [position, streamId, revision, hash, recordedAt] = next.entry;
      if (position < event.position) return result({ streamId, revision, position, reason: 'it was sealed but is no longer in the log' });
      if (position > event.position) return at('it is in the log but not where the seals have it: inserted or moved after sealing');
      if (streamId !== event.streamId || revision !== event.revision || hash !== storedHash || recordedAt !== event.recordedAt) {
        return at('it differs from what was sealed (stream, revision, hash or recordedAt)');
      }
      checked += 1;
      // A seal's hash stands for the chain up to its last entry: the head moves seal by seal.
      if (pending.length === 0) {
        sealedUpTo = position;
        head = { position, hash: previousSeal };
      }
    }
    if (options.onProgress && (checked + unsealed) % PROGRESS_EVERY === 0) options.onProgress(checked + unsealed, event.position, sources.head);
  }
  const leftover = await nextEntry();
  if (leftover !== null) {
    if ('broken' in leftover) return result(leftover.broken);
    const [position, streamId, revision] = leftover.entry;
    return result({ streamId, revision, position, reason: 'it was sealed but is no longer in the log' });
  }
  options.onProgress?.(checked + unsealed, head?.position ?? 0, sources.head);
  return result();
}
