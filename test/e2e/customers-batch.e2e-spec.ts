// POST /v1/customers/batch: registering many customers in one request, with the per-item result
// shape, limits and Idempotency-Key semantics of POST /v1/interactions/batch. Every case runs with
// the batches on the HTTP thread and in the batch thread (EMBEDDED_BATCHES): the same answers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient } from '../support/api-client';
import { apiKeysSetting } from '../support/api-keys';

jest.setTimeout(120_000);

const KEYS = { ingest: 'cbatch-ingest-key-0123456789', support: 'cbatch-support-key-0123456789' };

describe.each(['inline', 'thread'] as const)('POST /v1/customers/batch (EMBEDDED_BATCHES=%s)', (batches) => {
  let dataDir: string;
  let chronicle: RunningChronicle;
  let ingest: ApiClient;
  let support: ApiClient;
  const profile = (firstName: string) => ({ firstName, lastName: 'Batch', email: `${firstName.toLowerCase()}@example.com` });
  const head = async (): Promise<number> => (await support.get('/health/ready')).body.details.eventStore.headPosition;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-cbatch-'));
    chronicle = await startChronicle({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', MAX_BATCH_SIZE: '20', EMBEDDED_BATCHES: batches, API_KEYS: apiKeysSetting(KEYS) });
    ingest = new ApiClient(chronicle.url, KEYS.ingest);
    support = new ApiClient(chronicle.url, KEYS.support);
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers each item on its own: one result per item, bad items refused alone with fields named items[i].…', async () => {
    const batch = await ingest.post('/v1/customers/batch', {
      items: [
        { customerId: 'cb-1', externalId: 'shop-1', profile: profile('Ada'), occurredAt: '2026-10-01T08:00:00Z' },
        { customerId: 'cb-2', profile: { ...profile('Bob'), email: 'not-an-email' } },
        { customerId: 'cb-3', profile: profile('Cy'), colour: 'red' },
        { customerId: 'cb-1', externalId: 'shop-1', profile: profile('Ada') },
        { customerId: 'cb-4', profile: profile('Di'), occurredAt: '2999-01-01T00:00:00Z' },
        'not an object',
        { profile: profile('Eve') },
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((r: { index: number; status: number }) => [r.index, r.status])).toEqual([[0, 201], [1, 400], [2, 400], [3, 201], [4, 400], [5, 400], [6, 201]]);
    expect(batch.body).toMatchObject({ accepted: 3, rejected: 4 });
    const fields = (i: number) => batch.body.results[i].problem.errors.map((e: { field: string }) => e.field);
    expect([fields(1), fields(2), fields(4), fields(5)]).toEqual([['items[1].profile.email'], ['items[2].colour'], ['items[4].occurredAt'], ['items[5]']]);
    // The same registration twice in one batch: the second is the first, replayed.
    expect(batch.body.results[0].outcome).toMatchObject({ customerId: 'cb-1', streamId: 'customer-cb-1', replayed: false, changed: true });
    expect(batch.body.results[3].outcome).toEqual({ ...batch.body.results[0].outcome, replayed: true });
    const generated = batch.body.results[6].outcome.customerId;
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);

    const position = Math.max(...batch.body.results.filter((r: { status: number }) => r.status === 201).map((r: { outcome: { position: number } }) => r.outcome.position));
    expect((await support.get(`/v1/customers/cb-1?minPosition=${position}`)).body.profile).toMatchObject({ firstName: 'Ada', email: 'ada@example.com' });
    expect((await support.get(`/v1/customers/${generated}?minPosition=${position}`)).status).toBe(200);
    expect((await support.get(`/v1/customers/cb-2?minPosition=${position}`)).status).toBe(404);
  });

  it('items run together see the ones before them: a registration twice is one, then replayed; another profile under its id is refused (409)', async () => {
    const batch = await ingest.post('/v1/customers/batch', {
      items: [
        { customerId: 'cb-20', profile: profile('Gus') },
        { customerId: 'cb-21', profile: profile('Hal') },
        { customerId: 'cb-20', profile: profile('Gus') },
        { customerId: 'cb-20', profile: profile('Other') },
      ],
    });
    expect(batch.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201, 201, 409]);
    expect(batch.body.results[2].outcome).toEqual({ ...batch.body.results[0].outcome, replayed: true });
    expect(batch.body.results[0].outcome.position).not.toBe(batch.body.results[1].outcome.position);
    const stored = await support.get(`/v1/customers/cb-20?minPosition=${batch.body.results[1].outcome.position}`);
    expect(stored.body.profile).toMatchObject({ firstName: 'Gus' });
  });

  it('answers an interactions batch the same way: a result per item, bad items refused alone, the rest recorded', async () => {
    const registered = await ingest.post('/v1/customers/batch', { items: [{ customerId: 'cb-mail', profile: profile('Mia') }] });
    const batch = await ingest.post('/v1/interactions/batch', {
      items: [
        { type: 'email-sent', customerId: 'cb-mail', messageId: 'cb-m-1', subject: 'Your order shipped', occurredAt: '2026-11-21T08:00:00Z' },
        { type: 'email-opened', customerId: 'cb-mail', messageId: 'cb-m-1', occurredAt: '2026-11-21T09:00:00Z' },
        { type: 'teleport', customerId: 'cb-mail' },
        { type: 'call', customerId: 'cb-nobody', callId: 'cb-pbx-9', direction: 'inbound', durationSeconds: 5, outcome: 'resolved' },
      ],
    });
    expect(registered.body.results[0].status).toBe(201);
    expect(batch.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201, 400, 404]);
    expect(batch.body.results[2].problem.errors[0].field).toBe('items[2].type');
    expect(batch.body.results[3].problem).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    const position = batch.body.results[1].outcome.position;
    expect((await support.get(`/v1/customers/cb-mail?minPosition=${position}`)).body.emails).toMatchObject({ sent: 1, opened: 1 });
  });

  it('keeps the limits of the interactions batch: 1 to MAX_BATCH_SIZE items, the ingest role', async () => {
    const before = await head();
    const tooMany = await ingest.post('/v1/customers/batch', { items: Array.from({ length: 21 }, (_, i) => ({ customerId: `cb-many-${i}`, profile: profile('Max') })) });
    expect({ status: tooMany.status, fields: tooMany.body.errors.map((e: { field: string }) => e.field) }).toEqual({ status: 400, fields: ['items'] });
    expect((await ingest.post('/v1/customers/batch', { items: [] })).body.errors[0].field).toBe('items');
    expect((await ingest.post('/v1/customers/batch', { items: [], extra: 1 })).status).toBe(400);
    expect((await support.post('/v1/customers/batch', { items: [{ customerId: 'cb-support', profile: profile('Sue') }] })).status).toBe(403);
    expect(await head()).toBe(before);
  });

  it('is one request for an Idempotency-Key: a retry gets the first answer, every item replayed, and names generated ids again', async () => {
    const body = { items: [{ profile: profile('Gen') }, { customerId: 'cb-keyed', profile: profile('Kay') }, { customerId: 'bad id', profile: profile('Bad') }] };
    const first = await ingest.post('/v1/customers/batch', body, { 'Idempotency-Key': 'cb-import-1' });
    expect(first.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201, 400]);
    const before = await head();
    const retry = await ingest.post('/v1/customers/batch', body, { 'Idempotency-Key': 'cb-import-1' });
    expect(retry.status).toBe(200);
    expect(retry.body.results).toEqual(
      first.body.results.map((r: { outcome?: Record<string, unknown> }) => (r.outcome ? { ...r, outcome: { ...r.outcome, replayed: true } } : r)),
    );
    expect(await head()).toBe(before);
    const other = await ingest.post('/v1/customers/batch', { items: [{ profile: profile('Other') }] }, { 'Idempotency-Key': 'cb-import-1' });
    expect({ status: other.status, fields: other.body.errors.map((e: { field: string }) => e.field) }).toEqual({ status: 409, fields: ['Idempotency-Key'] });
    // Without a customerId, the id comes from the key and the item's place: another key, another customer.
    const elsewhere = await ingest.post('/v1/customers/batch', body, { 'Idempotency-Key': 'cb-import-2' });
    expect(elsewhere.body.results[0].outcome.customerId).not.toBe(first.body.results[0].outcome.customerId);
    expect(elsewhere.body.results[1].outcome).toMatchObject({ customerId: 'cb-keyed', replayed: true });
  });
});
