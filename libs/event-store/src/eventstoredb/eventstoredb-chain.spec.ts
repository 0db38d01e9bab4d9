// The EventStoreDB chain walk over a log and seals built by the same functions the adapter and the
// sealer use; each case changes the log the way an intruder with access to the server's files
// could, and the walk must name the first broken link. (The adapter's own suite needs a server.)
import type { EventMetadata } from '@app/event-sourcing';
import { CHAIN_START } from '../hash-chain';
import { makeSeal, streamChainHash, verifySealedLog, type Seal, type SealEntry, type StoredChainedEvent } from './eventstoredb-chain';

const metadata = (customerId: string): EventMetadata => ({
  customerId, schemaVersion: 1, occurredAt: '2026-03-01T10:00:00.000Z', actor: { type: 'service', id: 'k1', name: 'shop', role: 'ingest' }, source: 'shop', correlationId: 'c', causationId: null,
});

/** 12 events over 4 streams, positions with gaps as on a real server; chained as the adapter appends. */
function history(legacy = 0): StoredChainedEvent[] {
  const events: StoredChainedEvent[] = [];
  const last = new Map<string, { revision: number; hash: string }>();
  for (let n = 0; n < 12; n++) {
    const streamId = `ticket-${n % 4}`;
    const previous = last.get(streamId);
    const base = { eventId: `e-${n}`, streamId, revision: (previous?.revision ?? -1) + 1, type: 'TicketReplied', data: { body: `reply ${n}`, n }, metadata: metadata(`c-${n % 4}`) };
    // The first `legacy` events were written before tamper evidence: no hash; successors chain to ''.
    const hash = n < legacy ? null : streamChainHash(previous?.hash ?? CHAIN_START, base);
    last.set(streamId, { revision: base.revision, hash: hash ?? CHAIN_START });
    events.push({ ...base, position: 1000 + n * 137, recordedAt: new Date(Date.UTC(2026, 2, 1, 10, 0, n)).toISOString(), hash });
  }
  return events;
}

/** Seals of `size` events each over the first `count` events, as the sealer writes them. */
function seal(events: readonly StoredChainedEvent[], count: number, size = 5): Seal[] {
  const seals: Seal[] = [];
  let previous = CHAIN_START;
  for (let from = 0; from < count; from += size) {
    const entries: SealEntry[] = events.slice(from, Math.min(from + size, count)).map((e) => [e.position, e.streamId, e.revision, e.hash ?? CHAIN_START, e.recordedAt]);
    const next = makeSeal(previous, entries);
    seals.push(next);
    previous = next.hash;
  }
  return seals;
}

async function* each<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

function walk(events: readonly StoredChainedEvent[], seals: readonly Seal[]) {
  return verifySealedLog({
    events: each(events),
    seals: each(seals),
    head: events[events.length - 1]?.position ?? 0,
    // What the server holds now: the stored hash of a stream's event at a revision.
    previousHash: async (streamId, revision) => {
      const found = events.find((e) => e.streamId === streamId && e.revision === revision);
      return found === undefined ? null : (found.hash ?? CHAIN_START);
    },
  });
}

const at = (event: StoredChainedEvent) => ({ streamId: event.streamId, revision: event.revision, position: event.position });

describe('EventStoreDB chains: stream hashes in metadata, seals over $all', () => {
  it('a sealed log verifies; the head is the last seal; events after it count as unsealed', async () => {
    const events = history();
    const seals = seal(events, 10);
    expect(await walk(events, seals)).toEqual({ ok: true, events: 10, head: { position: events[9].position, hash: seals[1].hash }, unsealed: 2 });
    expect(await walk(events, [])).toEqual({ ok: true, events: 0, head: null, unsealed: 12 });
  });

  it('finds changed data, sealed or not', async () => {
    const events = history();
    const seals = seal(events, 10);
    for (const index of [3, 11]) {
      const changed = events.map((e, i) => (i === index ? { ...e, data: { body: 'edited', n: index } } : e));
      expect((await walk(changed, seals)).broken).toEqual({ ...at(events[index]), reason: expect.stringContaining('does not match its hash') });
    }
  });

  it('finds a sealed event that was removed (a scavenged or hard-deleted event)', async () => {
    const events = history();
    const seals = seal(events, 10);
    // ticket-3's only events at indexes 3 and 7: remove index 7, the stream's last, so only the seals know.
    const removed = events.filter((_, i) => i !== 7);
    expect((await walk(removed, seals)).broken).toEqual({ ...at(events[7]), reason: 'it was sealed but is no longer in the log' });
  });

  it('finds an event inserted after sealing, and a changed recordedAt', async () => {
    const events = history();
    const seals = seal(events, 10);
    const intruder: StoredChainedEvent = { ...events[2], eventId: 'x', streamId: 'note-x', revision: 0, position: events[2].position + 1 };
    const inserted = [...events.slice(0, 3), { ...intruder, hash: streamChainHash(CHAIN_START, intruder) }, ...events.slice(3)];
    expect((await walk(inserted, seals)).broken).toEqual({ ...at(inserted[3]), reason: expect.stringContaining('not where the seals have it') });
    const redated = events.map((e, i) => (i === 4 ? { ...e, recordedAt: '2020-01-01T00:00:00.000Z' } : e));
    expect((await walk(redated, seals)).broken).toEqual({ ...at(events[4]), reason: expect.stringContaining('differs from what was sealed') });
  });

  it('finds a removed or rewritten seal', async () => {
    const events = history();
    const seals = seal(events, 12, 4);
    expect((await walk(events, [seals[0], seals[2]])).broken).toMatchObject({ ...at(events[8]), reason: expect.stringContaining('does not follow') });
    const forged = { ...seals[1], entries: seals[1].entries.map((e, i) => (i === 0 ? ([e[0], e[1], e[2], 'f'.repeat(64), e[4]] as SealEntry) : e)) };
    expect((await walk(events, [seals[0], forged, seals[2]])).broken).toMatchObject({ ...at(events[4]), reason: expect.stringContaining("entries do not match") });
  });

  it('accepts events without a hash only as the log\'s beginning (written before tamper evidence)', async () => {
    const events = history(3);
    expect(await walk(events, seal(events, 10))).toMatchObject({ ok: true, events: 10, unsealed: 2 });
    const stripped = events.map((e, i) => (i === 6 ? { ...e, hash: null } : e));
    expect((await walk(stripped, [])).broken).toEqual({ ...at(events[6]), reason: 'it carries no hash' });
  });

  it('finds an event whose stream predecessor is gone', async () => {
    const events = history();
    const withoutFirst = events.filter((_, i) => i !== 1);
    expect((await walk(withoutFirst, [])).broken).toEqual({ ...at(events[5]), reason: 'revision 0 of ticket-1 is missing' });
  });
});
