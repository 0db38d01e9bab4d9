import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainErrorCode } from '@app/event-sourcing';
import { ProblemException } from '@app/platform';
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

  it('with minPosition: not found only once the read models reached it; while they lag, a 503 naming minPosition that says so (found from outside: a customer created a moment before was "not found")', async () => {
    let reached = false;
    const progress = { waitForPosition: async () => reached };
    const customers = new ReadModelRegisteredCustomers(store, 50, progress);
    const lagging = await customers.assertRegistered('new-one', 7).catch((error: unknown) => error);
    expect(lagging).toBeInstanceOf(ProblemException);
    expect({ status: (lagging as ProblemException).getStatus(), code: (lagging as ProblemException).extra.code, fields: (lagging as ProblemException).extra.errors?.map((e) => e.field), headers: (lagging as ProblemException).extra.headers }).toEqual({
      status: 503, code: 'NOT_PROJECTED_YET', fields: ['minPosition'], headers: { 'Retry-After': '1', 'X-Chronicle-Consistent': 'false' },
    });
    // A position the log has not reached yet: nothing can be on its way, so not found.
    const beyondTheLog = new ReadModelRegisteredCustomers(store, 50, progress, async () => 6);
    await expect(beyondTheLog.assertRegistered('new-one', 7)).rejects.toMatchObject({ code: DomainErrorCode.NotFound, field: 'customerId' });
    expect(await new ReadModelRegisteredCustomers(store, 50, progress, async () => 7).assertRegistered('new-one', 7).catch((error: unknown) => error)).toBeInstanceOf(ProblemException);
    reached = true;
    await expect(customers.assertRegistered('new-one', 7)).rejects.toMatchObject({ code: DomainErrorCode.NotFound, field: 'customerId' });
    await view('new-one', '2026-01-01T00:00:00.000Z', 7);
    await expect(customers.assertRegistered('new-one', 7)).resolves.toBeUndefined();
  });
});
