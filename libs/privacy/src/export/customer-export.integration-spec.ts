// The subject-access export against a log the read models have not caught up with: what it lists
// comes from the log itself, what it says is consistent is checked against the customer's newest
// event, and a forget the read models have not applied yet hands out nothing they still hold.
// Found from outside on the Kafka layout: plaintext beside `dataKey: destroyed`, and events missing
// while the export said `consistent: true`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QueryBus } from '@nestjs/cqrs';
import { DomainError, DomainErrorCode, FixedClock, type NewEvent } from '@app/event-sourcing';
import { SqliteEventStore } from '@app/event-store';
import { MasterKeyRing, SqliteKeyStore } from '@app/key-store';
import { loadConfig } from '@app/platform';
import { SqliteReadStore } from '@app/read-store';
import { CUSTOMER_360_COLLECTION, TIMELINE_COLLECTION } from '@app/customer-view';
import { ExportCustomer, ExportCustomerHandler } from './customer-export';

const event = (type: string, data: Record<string, unknown>): NewEvent => ({
  eventId: `${type}-${Math.random().toString(36).slice(2)}`,
  type,
  data: { customerId: 'c1', ...data },
  metadata: { customerId: 'c1', schemaVersion: 1, occurredAt: '2026-12-01T10:00:00.000Z', actor: { type: 'service', id: 'k1' }, source: 'test', correlationId: 'x', causationId: null },
});

describe('ExportCustomer against read models behind the log', () => {
  let directory: string;
  let events: SqliteEventStore;
  let store: SqliteReadStore;
  let keys: SqliteKeyStore;
  let handler: ExportCustomerHandler;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'chronicle-export-'));
    events = new SqliteEventStore(join(directory, 'events.sqlite'));
    store = new SqliteReadStore(join(directory, 'read-models.sqlite'));
    keys = new SqliteKeyStore(join(directory, 'keys.sqlite'), new MasterKeyRing([Buffer.alloc(32, 3)]));
    // No analytics view: the handler answers scores null for that.
    const queryBus = { execute: async () => { throw new DomainError(DomainErrorCode.NotFound, 'no analytics', 'customerId'); } } as unknown as QueryBus;
    handler = new ExportCustomerHandler(events, store, keys, new FixedClock(new Date('2026-12-05T00:00:00Z')), loadConfig({ READ_WAIT_TIMEOUT_MS: '20' }), queryBus);
    await events.append('customer-c1', [event('CustomerRegistered', { profile: { firstName: 'Ada' } })], { expectedRevision: 'no_stream' });
    await events.append('note-n1', [event('NoteAdded', { noteId: 'n1', text: 'called back', authorId: 'a1' })], { expectedRevision: 'no_stream' });
    // The read models have the registration only: its 360 document and its timeline row.
    await store.applyBatch([
      { kind: 'upsert', collection: CUSTOMER_360_COLLECTION, doc: { id: 'c1', customerId: 'c1', lastPosition: 1, profile: { firstName: 'Ada' }, contactPoints: [], consents: {} } },
      { kind: 'upsert', collection: TIMELINE_COLLECTION, doc: { id: 'c1-1', customerId: 'c1', lastPosition: 1, position: 1, streamId: 'customer-c1', type: 'CustomerRegistered' } },
    ]);
  });

  afterEach(async () => {
    await events.close();
    await store.close();
    await keys.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('lists every event of the customer from the log, and says it is not consistent while the read models are behind their newest', async () => {
    const exported = await handler.execute(new ExportCustomer('c1'));
    expect(exported.events.map((e) => e.type)).toEqual(['CustomerRegistered', 'NoteAdded']);
    expect(exported.consistent).toBe(false);
    expect(exported.profile).toMatchObject({ firstName: 'Ada' });

    await store.applyBatch([{ kind: 'upsert', collection: CUSTOMER_360_COLLECTION, doc: { id: 'c1', customerId: 'c1', lastPosition: 2, profile: { firstName: 'Ada' }, contactPoints: [], consents: {} } }]);
    expect((await handler.execute(new ExportCustomer('c1'))).consistent).toBe(true);
  });

  it('hands out none of the read models\' values while they have not applied a forget the log holds', async () => {
    await events.append('customer-c1', [event('CustomerForgotten', { reason: 'GDPR', dataKeyId: null })], { expectedRevision: 0 });
    const exported = await handler.execute(new ExportCustomer('c1'));
    expect(exported).toMatchObject({ forgotten: true, consistent: false, profile: null, contactPoints: [], interactions: [], consents: { current: {} } });
    // (The events are as the store decodes them: sealed values read [forgotten] once the key is gone;
    // this store seals nothing.)
    expect(JSON.stringify({ ...exported, events: [] })).not.toContain('Ada');
    expect(exported.events.map((e) => e.type)).toEqual(['CustomerRegistered', 'NoteAdded', 'CustomerForgotten']);
  });
});
