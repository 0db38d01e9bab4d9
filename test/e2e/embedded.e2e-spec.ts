// End to end on the embedded default: real HTTP, real SQLite files, the app restarted on the same
// data folder. Interactions in, 360 view out.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@app/event-store';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient } from '../support/api-client';
import { customerStory } from '../support/customer-story';
import { eventually } from '../support/eventually';
import { suiteWithoutEngine } from '../support/missing-engine';
import { apiKeysSetting } from '../support/api-keys';

jest.setTimeout(60_000);

const KEYS = {
  ingest: 'test-ingest-key-0123456789',
  support: 'test-support-key-0123456789',
  analyst: 'test-analyst-key-0123456789',
  admin: 'test-admin-key-0123456789',
};

/** The engine combinations this suite runs on: always the embedded default; Kafka + MongoDB-wire when the engines are up. */
const RUN = `${process.pid}-${Date.now()}`;
const ENGINES: { name: string; env: Record<string, string> }[] = [{ name: 'embedded (SQLite + in-process + SQLite)', env: {} }];
if (process.env.KAFKA_BROKERS && process.env.MONGO_URL) {
  ENGINES.push({
    name: 'production transport (SQLite + Kafka + MongoDB-wire)',
    env: { TRANSPORT: 'kafka', KAFKA_BROKERS: process.env.KAFKA_BROKERS, KAFKA_TOPIC: `e2e-${RUN}`, KAFKA_GROUP: `e2e-${RUN}`, KAFKA_PARTITIONS: '3', READ_STORE: 'mongodb', MONGO_URL: process.env.MONGO_URL, MONGO_DB: `e2e_${RUN.replace(/-/g, '_')}`, READ_WAIT_TIMEOUT_MS: '20000' },
  });
} else {
  suiteWithoutEngine('Chronicle end to end on Kafka + MongoDB-wire', 'KAFKA_BROKERS or MONGO_URL is not set', 'npm run engines:up');
}

function env(dataDir: string, engine: Record<string, string>): Record<string, string> {
  return {
    ...engine,
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'warn',
    MAX_BODY_BYTES: String(64 * 1024),
    MAX_BATCH_SIZE: '50',
    API_KEYS: apiKeysSetting(KEYS),
  };
}

describe.each(ENGINES)('Chronicle end to end on $name', ({ env: engineEnv }) => {
  let dataDir: string;
  let chronicle: RunningChronicle;
  let ingest: ApiClient;
  let support: ApiClient;

  const start = async () => {
    chronicle = await startChronicle(env(dataDir, engineEnv));
    ingest = new ApiClient(chronicle.url, KEYS.ingest);
    support = new ApiClient(chronicle.url, KEYS.support);
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-e2e-'));
    await start();
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const customerId = 'c-ada';

  it('records a customer\'s call, purchase and ticket and shows them in the 360 view', async () => {
    await customerStory({ ingest, support }, customerId);
  });

  it('shows the value figures in the 360 view once the customer gives the profiling consent', async () => {
    const other = 'c-grace';
    expect((await ingest.post('/v1/customers', { customerId: other, profile: { firstName: 'Grace', lastName: 'Hopper' } })).status).toBe(201);
    const lines = [{ sku: 'COMPASS', name: 'Brass compass', category: 'instruments', quantity: 1, unitPriceMinor: 12000 }];
    const bought = await ingest.post('/v1/interactions/purchases', { customerId: other, orderId: 'o-grace-1', channel: 'web', currency: 'EUR', lines });
    expect((await support.get(`/v1/customers/${other}?minPosition=${bought.body.position}`)).body.value).toBeNull();
    const consented = await support.post(`/v1/customers/${other}/consents`, { purpose: 'profiling', granted: true, via: 'web-preferences' });
    expect(consented.status).toBe(200);
    const valued = await support.get(`/v1/customers/${other}?minPosition=${consented.body.position}`);
    // A population this small is too few to fit the model (20 buyers are needed): no P(alive), predicted CLV or churn risk yet.
    expect(valued.body.value).toEqual({ currency: 'EUR', exponent: 2, pAlive: null, lifetimeValueMinor: null, clv: null, churnRisk: null });
  });

  it('pages the timeline newest first with a cursor and filters by channel', async () => {
    const head = (await support.get(`/v1/customers/${customerId}`)).body.lastPosition;
    const first = await support.get(`/v1/customers/${customerId}/timeline?limit=2&minPosition=${head}`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((e: { type: string }) => e.type)).toEqual(['TicketResolved', 'TicketReplied']);
    const second = await support.get(`/v1/customers/${customerId}/timeline?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((e: { type: string }) => e.type)).toEqual(['TicketOpened', 'PurchaseCompleted']);
    const third = await support.get(`/v1/customers/${customerId}/timeline?limit=2&cursor=${second.body.nextCursor}`);
    // Registration is on the timeline too, as a profile entry.
    expect(third.body.items.map((e: { type: string }) => e.type)).toEqual(['CallLogged', 'CustomerRegistered']);
    expect(third.body.nextCursor).toBeNull();
    const calls = await support.get(`/v1/customers/${customerId}/timeline?channel=call`);
    expect(calls.body.items).toHaveLength(1);
    expect(calls.body.items[0]).toMatchObject({ type: 'CallLogged', channel: 'call', customerId });
    // A cursor belongs to its customer and filters: given with others it would start their list at a
    // row of this one, so it is refused naming it.
    for (const path of [`/v1/customers/c-grace/timeline?limit=2&cursor=${first.body.nextCursor}`, `/v1/customers/${customerId}/timeline?limit=2&channel=call&cursor=${first.body.nextCursor}`]) {
      const refused = await support.get(path);
      expect({ status: refused.status, errors: refused.body.errors }).toEqual({ status: 400, errors: [{ field: 'cursor', message: expect.stringContaining('another query') }] });
    }
  });

  it('finds customers by email, phone, name prefix and external id', async () => {
    for (const query of ['email=ada@exa', 'phone=%2B44207', 'name=lovel', 'name=ada%20lo', 'externalId=shop-18', `id=${customerId}`]) {
      // Search has no minPosition: the lookup documents may land a moment after the 360 view.
      await eventually(async () => {
        const found = await support.get(`/v1/customers?${query}`);
        expect({ query, status: found.status, ids: found.body.items.map((i: { customerId: string }) => i.customerId) }).toEqual({ query, status: 200, ids: [customerId] });
      });
    }
    expect((await support.get('/v1/customers?name=zzz')).body.items).toEqual([]);
    expect((await support.get('/v1/customers?name=a&email=b')).status).toBe(400);
  });

  it('finds a name by what it shows, whatever characters that show nothing it holds (found from outside: "Zed" did not find "\\u200b\\u200bZed")', async () => {
    expect((await ingest.post('/v1/customers', { customerId: 'c-zw', profile: { firstName: '\u200b\u200bZed', lastName: 'Wid\u200dth' } })).status).toBe(201);
    for (const query of ['q=Zed', 'name=zed%20wid', 'q=Width', `name=${encodeURIComponent('\u200bzed')}`]) {
      await eventually(async () => {
        const found = await support.get(`/v1/customers?${query}`);
        expect({ query, ids: found.body.items.map((i: { customerId: string }) => i.customerId) }).toEqual({ query, ids: ['c-zw'] });
      });
    }
  });

  it('answers a retried command with the same Idempotency-Key with the first result and stores one event', async () => {
    const body = { customerId, noteId: 'n-1', text: 'Prefers calls after 5pm', authorId: 'agent-7' };
    const first = await support.post('/v1/interactions/notes', body, { 'Idempotency-Key': 'note-retry-1' });
    const retry = await support.post('/v1/interactions/notes', body, { 'Idempotency-Key': 'note-retry-1' });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual({ ...first.body, replayed: true });
    // Key reuse for a different request is refused, not silently answered.
    const reused = await support.post('/v1/customers', { profile: { firstName: 'Other', lastName: 'Person' } }, { 'Idempotency-Key': 'reg-1' });
    expect(reused.status).toBe(201);
    const again = await support.post('/v1/customers', { profile: { firstName: 'Other', lastName: 'Person' } }, { 'Idempotency-Key': 'reg-1' });
    expect(again.body).toMatchObject({ customerId: reused.body.customerId, replayed: true });

    // A retried publish with the source's own id (callId) and no key is recognised as well.
    const callBody = { customerId, callId: 'pbx-2', direction: 'outbound', durationSeconds: 60, outcome: 'no_answer' };
    const call1 = await ingest.post('/v1/interactions/calls', callBody);
    const call2 = await ingest.post('/v1/interactions/calls', callBody);
    expect(call2.body).toEqual({ ...call1.body, replayed: true });
    const conflicting = await ingest.post('/v1/interactions/calls', { ...callBody, durationSeconds: 61 });
    expect(conflicting.status).toBe(409);

    // Checked in the event store itself, not only through the API.
    const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    try {
      const notes = await store.readStream('note-n-1');
      expect(notes).toHaveLength(1);
      expect(notes[0].eventId).toBe(first.body.eventIds[0]);
      expect(notes[0].metadata).toMatchObject({ customerId, idempotencyKey: 'note-retry-1', schemaVersion: 1, actor: { type: 'agent' } });
      expect(await store.readStream('call-pbx-2')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  // Found from outside: 16 parallel replies to one ticket met each other as conflicts and some
  // exhausted their retries (409 CONFLICT); a chat bridge or a few agents reach that.
  it('takes many parallel commands on one stream, each on the state the one before left', async () => {
    expect((await ingest.post('/v1/customers', { customerId: 'c-busy', profile: { firstName: 'Busy' } })).status).toBe(201);
    expect((await support.post('/v1/tickets', { customerId: 'c-busy', ticketId: 't-busy', subject: 'Busy', channel: 'chat', priority: 'low' })).status).toBe(201);
    const replies = await Promise.all(Array.from({ length: 32 }, (_, n) => support.post('/v1/tickets/t-busy/replies', { author: n % 2 === 0 ? 'customer' : 'agent', authorId: 'agent-1', body: `message ${n}` })));
    expect(replies.map((reply) => reply.status)).toEqual(replies.map(() => 201));
    expect(new Set(replies.map((reply) => reply.body.revision)).size).toBe(32);
    const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    try {
      expect((await store.readStream('ticket-t-busy')).map((event) => event.type)).toEqual(['TicketOpened', ...replies.map(() => 'TicketReplied')]);
    } finally {
      await store.close();
    }
  });

  it('refuses bad input with 4xx naming the field, and stores nothing for it', async () => {
    const head = (await support.get('/health/ready')).body.details.eventStore.headPosition;

    const invalid = await ingest.post('/v1/interactions/purchases', {
      customerId, orderId: 'o-bad', channel: 'teleport', currency: 'euro', lines: [{ sku: 'X', name: 'X', category: 'x', quantity: 0, unitPriceMinor: -1 }], colour: 'red',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.headers['content-type']).toContain('application/problem+json');
    expect(invalid.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(
      ['channel', 'colour', 'currency', 'lines[0].quantity', 'lines[0].unitPriceMinor'].sort(),
    );

    const unknownCustomer = await ingest.post('/v1/interactions/calls', { customerId: 'c-nobody', callId: 'pbx-x', direction: 'inbound', durationSeconds: 1, outcome: 'resolved' });
    expect(unknownCustomer.status).toBe(404);
    expect(unknownCustomer.body.errors).toEqual([expect.objectContaining({ field: 'customerId' })]);

    // A score off its kind's scale is a field out of range, known without any state: 400.
    const csat = await ingest.post('/v1/interactions/surveys', { customerId, surveyId: 's-1', kind: 'csat', score: 9 });
    expect(csat.status).toBe(400);
    expect(csat.body.errors[0].field).toBe('score');

    const refund = await ingest.post('/v1/interactions/refunds', { customerId, orderId: 'o-1', refundId: 'r-1', amountMinor: 10_000, currency: 'EUR' });
    expect(refund.status).toBe(422);
    expect(refund.body.errors[0].field).toBe('amountMinor');

    expect((await support.post('/v1/tickets/t-1/close', {})).status).toBe(200);
    const replyOnClosed = await support.post('/v1/tickets/t-1/replies', { author: 'agent', body: 'hello?' });
    expect(replyOnClosed.status).toBe(409);

    expect((await support.get('/v1/customers/c-nobody')).status).toBe(404);
    expect((await support.get('/v1/tickets/t-nope')).status).toBe(404);
    expect((await support.get('/v1/customers/bad%20id')).status).toBe(400);
    expect((await support.get(`/v1/customers/${customerId}/timeline?limit=0`)).body.errors[0].field).toBe('limit');

    const tooLarge = await ingest.post('/v1/interactions/notes', { customerId, noteId: 'n-big', authorId: 'a', text: 'x'.repeat(70 * 1024) });
    expect(tooLarge.status).toBe(413);
    const malformed = await ingest.raw('POST', '/v1/interactions/notes', '{"customerId":', { 'Content-Type': 'application/json' });
    expect(malformed.status).toBe(400);

    // Only the ticket close above was appended.
    const after = (await support.get('/health/ready')).body.details.eventStore.headPosition;
    const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    try {
      const appended = await store.readAll({ after: head });
      expect(appended.map((e) => e.type)).toEqual(['TicketClosed']);
      expect(after).toBe(appended[0].position);
    } finally {
      await store.close();
    }
  });

  it('checks API keys and roles: 401 without or with an unknown key, 403 for the wrong role', async () => {
    expect((await new ApiClient(chronicle.url).get(`/v1/customers/${customerId}`)).status).toBe(401);
    expect((await new ApiClient(chronicle.url, 'not-a-key-at-all-xxxx').get(`/v1/customers/${customerId}`)).status).toBe(401);
    expect((await ingest.get(`/v1/customers/${customerId}`)).status).toBe(403);
    const analyst = new ApiClient(chronicle.url, KEYS.analyst);
    expect((await analyst.get(`/v1/customers/${customerId}`)).status).toBe(200);
    expect((await analyst.post('/v1/interactions/notes', { customerId, noteId: 'n-9', text: 'x', authorId: 'a' })).status).toBe(403);
    expect((await new ApiClient(chronicle.url, KEYS.admin).get(`/v1/customers/${customerId}`)).status).toBe(200);
    expect((await new ApiClient(chronicle.url).get('/health/live')).status).toBe(200);
    expect((await new ApiClient(chronicle.url).get('/docs/openapi.json')).body.paths['/v1/interactions/batch']).toBeDefined();
  });

  it('records a batch with a result per item; bad items are refused alone', async () => {
    const batch = await ingest.post('/v1/interactions/batch', {
      items: [
        { type: 'email-sent', customerId, messageId: 'm-1', subject: 'Your order shipped', occurredAt: '2026-11-21T08:00:00Z' },
        { type: 'email-opened', customerId, messageId: 'm-1', occurredAt: '2026-11-21T09:00:00Z' },
        { type: 'survey', customerId, surveyId: 's-2', kind: 'nps', score: 9, mood: 'happy' },
        { type: 'teleport', customerId },
        { type: 'call', customerId: 'c-nobody', callId: 'pbx-9', direction: 'inbound', durationSeconds: 5, outcome: 'resolved' },
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201, 400, 400, 404]);
    expect(batch.body.results[3].problem.errors[0].field).toBe('items[3].type');
    expect(batch.body.results[2].problem.errors.map((e: { field: string }) => e.field)).toEqual(['items[2].mood']);
    expect(batch.body).toMatchObject({ accepted: 2, rejected: 3 });

    const tooMany = await ingest.post('/v1/interactions/batch', { items: Array.from({ length: 51 }, () => ({ type: 'note' })) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].field).toBe('items');

    const position = Math.max(...batch.body.results.filter((r: { status: number }) => r.status === 201).map((r: { outcome: { position: number } }) => r.outcome.position));
    const view = await support.get(`/v1/customers/${customerId}?minPosition=${position}`);
    expect(view.body.emails).toMatchObject({ sent: 1, opened: 1 });
  });

  it('keeps everything across a restart on the same data folder', async () => {
    const head = (await support.get('/health/ready')).body.details.eventStore.headPosition;
    const before = await support.get(`/v1/customers/${customerId}?minPosition=${head}`);
    const timelineBefore = await support.get(`/v1/customers/${customerId}/timeline?limit=200&minPosition=${head}`);
    await chronicle.close();
    await start();
    const after = await support.get(`/v1/customers/${customerId}?minPosition=${head}`);
    expect(after.status).toBe(200);
    // `value` (CLV, churn risk) is computed for the moment of the request; everything else must be identical.
    expect({ ...after.body, value: undefined }).toEqual({ ...before.body, value: undefined });
    expect((await support.get(`/v1/customers/${customerId}/timeline?limit=200`)).body).toEqual(timelineBefore.body);
    const note = await support.post('/v1/interactions/notes', { customerId, noteId: 'n-after-restart', text: 'Still here', authorId: 'agent-7' });
    expect(note.status).toBe(201);
    expect(note.body.position).toBeGreaterThan(before.body.lastPosition);
    const view = await support.get(`/v1/customers/${customerId}?minPosition=${note.body.position}`);
    expect(view.body.notes.count).toBe(before.body.notes.count + 1);
  });
});

describe('first start without configured keys', () => {
  it('creates one key per role, prints them once and stores only hashes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-keys-'));
    const printed: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    let chronicle: RunningChronicle | undefined;
    try {
      chronicle = await startChronicle({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' });
    } finally {
      spy.mockRestore();
    }
    try {
      const output = printed.join('');
      const keys = Object.fromEntries([...output.matchAll(/CHRONICLE_([A-Z]+)_KEY=(\S+)/g)].map((m) => [m[1].toLowerCase(), m[2]]));
      expect(Object.keys(keys).sort()).toEqual(['admin', 'analyst', 'auditor', 'ingest', 'support']);
      const file = readFileSync(join(dataDir, 'api-keys.json'), 'utf8');
      for (const key of Object.values(keys)) expect(file).not.toContain(key);
      expect((await new ApiClient(chronicle.url, keys.support).get('/v1/customers/nobody')).status).toBe(404);
      expect((await new ApiClient(chronicle.url, keys.ingest).get('/v1/customers/nobody')).status).toBe(403);
      write('');
    } finally {
      await chronicle.close();
    }
    // A second start finds the file and prints no keys.
    const again: string[] = [];
    const spy2 = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      again.push(String(chunk));
      return true;
    });
    let second: RunningChronicle | undefined;
    try {
      second = await startChronicle({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' });
    } finally {
      spy2.mockRestore();
      await second?.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(again.join('')).not.toContain('_KEY=');
  });
});
