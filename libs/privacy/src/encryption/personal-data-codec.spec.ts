// The encryption step on a real SQLite event store and key store: what is sealed, what stays clear,
// that decoding upcasts first and then opens, what a destroyed key reads as, and that retried
// commands still write once although every encryption draws a fresh IV.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import {
  DomainError, DomainErrorCode, EventSchemas, FORGOTTEN, PersonalData, type Decider, type NewEvent, type RecordedEvent, type Upcaster,
} from '@app/event-sourcing';
import { CodecEventStore, composeCodecs, SqliteEventStore, upcastingCodec } from '@app/event-store';
import { CachedKeyStore, MasterKeyRing, SqliteKeyStore } from '@app/key-store';
import { CommandExecutor, type CommandContext } from '@app/platform';
import { isSealed, personalDataCodec } from './personal-data-codec';

const ring = new MasterKeyRing([Buffer.alloc(32, 4)]);
const erasure = { reason: 'test', requestedAt: '2026-05-01T00:00:00.000Z', context: {} };

/** NoteAdded v1 had `text`; v2 moved it under `body.text` (an upcaster that never looks inside the value). */
const noteV1toV2: Upcaster<{ customerId: string; text?: unknown }, unknown> = {
  type: 'NoteAdded',
  fromVersion: 1,
  upcast: ({ text, ...rest }) => ({ data: { ...rest, body: { text } }, version: 2 }),
};
const schemas = new EventSchemas([{ currentVersions: { NoteAdded: 2 }, upcasters: [noteV1toV2] }]);
const personal = new PersonalData([
  { type: 'NoteAdded', version: 1, paths: ['text'] },
  { type: 'NoteAdded', version: 2, paths: ['body.text'] },
  { type: 'Registered', version: 1, paths: ['name', 'emails[]'] },
  { type: 'Forgotten', version: 1, paths: [] },
], schemas);

function event(type: string, data: Record<string, unknown>, schemaVersion = 1, customerId = 'c-1'): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    data: { customerId, ...data },
    metadata: { customerId, schemaVersion, occurredAt: '2026-05-01T00:00:00.000Z', actor: { type: 'service', id: 'spec' }, source: 'spec', correlationId: 'c', causationId: null },
  };
}

describe('personalDataCodec', () => {
  let directory: string;
  let keyFile: string;
  let keys: CachedKeyStore;
  let inner: SqliteEventStore;
  let store: CodecEventStore;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'chronicle-codec-'));
    keyFile = join(directory, 'keys.sqlite');
    keys = new CachedKeyStore(new SqliteKeyStore(keyFile, ring));
    inner = new SqliteEventStore(join(directory, 'events.sqlite'));
    const codec = composeCodecs(personalDataCodec(personal, keys, { refreshesKey: (e) => e.type === 'Forgotten' }), upcastingCodec(schemas));
    store = new CodecEventStore(inner, codec);
  });

  afterEach(async () => {
    await store.close();
    await keys.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('seals exactly the declared values, each with a fresh IV, names the key in the metadata, and reads them back in clear', async () => {
    const registered = event('Registered', { name: 'Ada Lovelace', emails: ['ada@example.com', 'ada@example.com'], country: 'GB', age: 36 });
    await store.append('customer-c-1', [registered], { expectedRevision: 'no_stream' });

    const [raw] = await inner.readStream('customer-c-1');
    const data = raw.data as { name: string; emails: string[]; country: string; age: number; customerId: string };
    expect([data.name, ...data.emails].every(isSealed)).toBe(true);
    expect(data.emails[0]).not.toBe(data.emails[1]);
    expect({ country: data.country, age: data.age, customerId: data.customerId }).toEqual({ country: 'GB', age: 36, customerId: 'c-1' });
    const key = await keys.get('c-1');
    expect(key.state === 'live' && raw.metadata.dataKeyId === key.key.keyId).toBe(true);

    expect((await store.readStream('customer-c-1'))[0].data).toEqual(registered.data);
  });

  it('gives the event loop turns while it seals or opens a large batch, so a read waits a slice, not the batch', async () => {
    const notes = Array.from({ length: 3_000 }, (_, index) => event('NoteAdded', { body: { text: `note ${index}` } }, 2, `c-${index % 50}`));
    const turnsDuring = async (work: Promise<unknown>): Promise<number> => {
      let turns = 0;
      let done = false;
      const count = (): void => {
        if (done) return;
        turns += 1;
        setImmediate(count);
      };
      setImmediate(count);
      await work;
      done = true;
      return turns;
    };
    // Keys made first: sealing then awaits nothing but the key cache, so no I/O gives the loop a turn.
    await Promise.all(Array.from({ length: 50 }, (_, index) => keys.getOrCreate(`c-${index}`)));
    const codec = personalDataCodec(personal, keys);
    // 3,000 values at ~20 µs each is tens of ms: with no turns, the counter would not move at all.
    expect(await turnsDuring(codec.encode(notes))).toBeGreaterThan(3);
    await store.appendMany(notes.map((note, index) => ({ streamId: `note-${index}`, events: [note], expectedRevision: 'no_stream' })));
    expect(await turnsDuring(store.readAll())).toBeGreaterThan(3);
  });

  it('leaves events without personal values as they are and makes no key for them', async () => {
    await store.append('customer-c-2', [event('Forgotten', {}, 1, 'c-2')], { expectedRevision: 'no_stream' });
    expect((await inner.readStream('customer-c-2'))[0].metadata.dataKeyId).toBeUndefined();
    expect(await keys.get('c-2')).toEqual({ state: 'none' });
  });

  it('upcasts before it opens: a sealed value moved by an upcaster opens at its new path', async () => {
    await store.append('note-1', [event('NoteAdded', { text: 'call back on Monday' }, 1)], { expectedRevision: 'no_stream' });
    const [read] = await store.readStream('note-1');
    expect(read.metadata.schemaVersion).toBe(2);
    expect(read.data).toEqual({ customerId: 'c-1', body: { text: 'call back on Monday' } });
  });

  it('refuses a sealed value that was altered, or copied into another event', async () => {
    await store.append('customer-c-1', [event('Registered', { name: 'Ada', emails: [] })], { expectedRevision: 'no_stream' });
    await store.append('customer-c-3', [event('Registered', { name: 'Bob', emails: [] }, 1, 'c-1')], { expectedRevision: 'no_stream' });
    const [ada] = await inner.readStream('customer-c-1');
    const [bob] = await inner.readStream('customer-c-3');
    const sealed = (ada.data as { name: string }).name;
    const flipped = sealed.slice(0, -3) + (sealed.at(-3) === 'A' ? 'B' : 'A') + sealed.slice(-2);
    const decode = (e: RecordedEvent) => store.codec.decode([e]);
    await expect(decode({ ...ada, data: { ...(ada.data as object), name: flipped } })).rejects.toThrow('fails authentication');
    await expect(decode({ ...bob, data: { ...(bob.data as object), name: sealed } })).rejects.toThrow('fails authentication');
  });

  it('reads every personal value of a forgotten customer as FORGOTTEN, and refuses new personal data about them', async () => {
    await store.append('customer-c-1', [event('Registered', { name: 'Ada', emails: ['a@x.example'], country: 'GB' })], { expectedRevision: 'no_stream' });
    await keys.destroy('c-1', erasure, '2026-05-01T00:00:00.000Z');
    expect((await store.readStream('customer-c-1'))[0].data).toEqual({ customerId: 'c-1', name: FORGOTTEN, emails: [FORGOTTEN], country: 'GB' });
    const refusal = await store.append('note-2', [event('NoteAdded', { body: { text: 'x' } }, 2)], { expectedRevision: 'no_stream' }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DomainError);
    expect((refusal as DomainError).code).toBe(DomainErrorCode.InvalidState);
    await store.append('note-3', [event('NoteAdded', {}, 2)], { expectedRevision: 'no_stream' });
  });

  it('learns of a forget made by another process when it reads the forget event, not only when its cache expires', async () => {
    await store.append('customer-c-1', [event('Registered', { name: 'Ada', emails: [] })], { expectedRevision: 'no_stream' });
    expect((await store.readStream('customer-c-1'))[0].data).toMatchObject({ name: 'Ada' });
    // A note sealed before the forget (a command in flight) that lands after it in the log.
    const [late] = await store.codec.encode([event('NoteAdded', { body: { text: 'in flight' } }, 2)]);
    const elsewhere = new SqliteKeyStore(keyFile, ring);
    await elsewhere.destroy('c-1', erasure, '2026-05-01T00:00:00.000Z');
    await elsewhere.close();
    await inner.append('customer-c-1', [event('Forgotten', {})], { expectedRevision: 0 });
    await inner.append('note-4', [late], { expectedRevision: 'no_stream' });
    // This process still holds the key in its cache: what comes before the forget in the log opens.
    const read = await store.readAll();
    expect(read.map((e) => [e.type, e.data])).toEqual([
      ['Registered', { customerId: 'c-1', name: 'Ada', emails: [] }],
      ['Forgotten', { customerId: 'c-1' }],
      ['NoteAdded', { customerId: 'c-1', body: { text: FORGOTTEN } }],
    ]);
  });

  it('retried commands still write one body: 20 concurrent runs of one command, one write, the others replayed', async () => {
    type Cmd = { type: 'Note'; customerId: string; text: string };
    const decider: Decider<Cmd, boolean, { type: 'NoteAdded'; data: { customerId: string; body: { text: string } } }> = {
      initialState: () => false,
      evolve: () => true,
      decide: (command, exists) => (exists ? [] : [{ type: 'NoteAdded', data: { customerId: command.customerId, body: { text: command.text } } }]),
    };
    const executor = new CommandExecutor(store, schemas);
    const context: CommandContext = { actor: { type: 'service', id: 'spec' }, source: 'spec', correlationId: 'c', causationId: null, occurredAt: '2026-05-01T00:00:00.000Z' };
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => executor.execute({ streamId: 'note-9', decider, command: { type: 'Note', customerId: 'c-1', text: 'once' }, naturalKey: 'create' }, context)));
    expect(outcomes.filter((outcome) => !outcome.replayed)).toHaveLength(1);
    expect(new Set(outcomes.map((outcome) => outcome.eventIds.join()))).toEqual(new Set([outcomes[0].eventIds.join()]));
    const db = new Database(join(directory, 'events.sqlite'), { readonly: true });
    try {
      expect(db.prepare("SELECT COUNT(*) AS n FROM events WHERE stream_id = 'note-9'").get()).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  });
});
