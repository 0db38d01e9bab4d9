import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainErrorCode } from '@app/event-sourcing';
import { SqliteReadStore } from '@app/read-store';
import { CUSTOMER_360_COLLECTION } from '../projections/customer-360.document';
import { emptyCustomer360 } from '../projections/customer-360.projection';
import { isRegisteredIn, ReadModelRegisteredCustomers } from './read-model-registered-customers';

describe('isRegisteredIn / ReadModelRegisteredCustomers (on a real SqliteReadStore)', () => {
  let directory: string;
  let store: SqliteReadStore;

  const view = (customerId: string, registeredAt: string | null, lastPosition = 1) =>
    store.applyBatch([{ kind: 'upsert', collection: CUSTOMER_360_COLLECTION, doc: { ...emptyCustomer360(customerId), registeredAt, id: customerId, lastPosition } }]);

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'chronicle-registered-'));
    store = new SqliteReadStore(join(directory, 'reads.sqlite'));
    await store.ensureCollections([{ name: CUSTOMER_360_COLLECTION, indexes: [] }]);
  });

  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('knows a customer once the registration is projected: not from a document of earlier events alone, nor another customer\'s', async () => {
    await view('registered', '2026-01-01T00:00:00.000Z');
    // Events of a customer seen before its registration leave a 360 document without registeredAt.
    await view('only-events', null);
    expect(await isRegisteredIn(store, 'registered')).toBe(true);
    expect(await isRegisteredIn(store, 'only-events')).toBe(false);
    expect(await isRegisteredIn(store, 'nobody')).toBe(false);
    expect(await isRegisteredIn(store, 'registere')).toBe(false);
  });

  it('assertRegistered refuses an unknown customer as not found, naming customerId', async () => {
    await view('only-events', null);
    const customers = new ReadModelRegisteredCustomers(store, 50);
    await expect(customers.assertRegistered('only-events')).rejects.toMatchObject({ code: DomainErrorCode.NotFound, field: 'customerId' });
    await view('only-events', '2026-01-01T00:00:00.000Z', 2);
    await expect(customers.assertRegistered('only-events')).resolves.toBeUndefined();
  });
});
