// Idempotency under concurrency, end to end over real HTTP on the embedded default: hundreds of
// trials of concurrent requests sharing an Idempotency-Key or a natural id (callId), checked in the
// answers (never two acknowledgements of one key: one `replayed: false` at most, every other answer
// that same result replayed, or a 409 naming the field) and in the SQLite event store itself
// (exactly one body stored per key or natural id). No sleeps: requests are simply sent together.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '@app/event-sourcing';
import type { EventStore } from '@app/event-store';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient, type ApiResponse } from '../support/api-client';
import { eventually } from '../support/eventually';
import { openDecodingEventStore } from '../support/decoding-event-store';

jest.setTimeout(300_000);

const KEYS = {
  ingest: 'idem-ingest-key-0123456789',
  support: 'idem-support-key-0123456789',
  ingest2: 'idem-ingest2-key-0123456789',
};

interface Outcome {
  readonly streamId: string;
  readonly eventIds: readonly string[];
  readonly revision: number | null;
  readonly position: number;
  readonly replayed: boolean;
  readonly changed: boolean;
}

/** streamId, eventIds, revision and position: what every answer for one key must agree on. */
const resultOf = (outcome: Outcome) => ({ streamId: outcome.streamId, eventIds: outcome.eventIds, revision: outcome.revision, position: outcome.position });

function expectConflictOn(response: ApiResponse, field: string): void {
  expect({ status: response.status, fields: (response.body?.errors ?? []).map((error: { field: string }) => error.field) }).toEqual({ status: 409, fields: [field] });
}

/**
 * The invariant for one set of concurrent requests sharing a key or natural id: exactly one
 * acknowledgement with `replayed: false`; every other 2xx answer is that result, replayed; the rest
 * are 409s naming `field`. Returns the index of the request that was acknowledged.
 */
function expectOneAcknowledgement(responses: readonly ApiResponse[], field: string, outcomeOf = (body: { [key: string]: unknown }) => body as unknown as Outcome): number {
  const acknowledged = responses.flatMap((response, index) => (response.status < 300 && !outcomeOf(response.body).replayed ? [index] : []));
  expect({ acknowledged: acknowledged.length, statuses: responses.map((r) => r.status) }).toMatchObject({ acknowledged: 1 });
  const first = resultOf(outcomeOf(responses[acknowledged[0]].body));
  for (const response of responses) {
    if (response.status < 300) expect(resultOf(outcomeOf(response.body))).toEqual(first);
    else expectConflictOn(response, field);
  }
  return acknowledged[0];
}

describe('Idempotency under concurrency, end to end (embedded)', () => {
  let dataDir: string;
  let chronicle: RunningChronicle;
  let ingest: ApiClient;
  let ingest2: ApiClient;
  let support: ApiClient;
  let events: EventStore;
  const customerId = 'c-idem';
  const run = `${process.pid}`;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-idempotency-e2e-'));
    chronicle = await startChronicle({
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'warn',
      API_KEYS: `ingest=${KEYS.ingest},support=${KEYS.support},ingest=${KEYS.ingest2}`,
    });
    ingest = new ApiClient(chronicle.url, KEYS.ingest);
    ingest2 = new ApiClient(chronicle.url, KEYS.ingest2);
    support = new ApiClient(chronicle.url, KEYS.support);
    // Read the event store file directly, as a second process would.
    events = await openDecodingEventStore(dataDir);

    expect((await ingest.post('/v1/customers', { customerId, profile: { firstName: 'Ida', lastName: 'Empotent' } })).status).toBe(201);
    expect((await ingest.post('/v1/interactions/emails/sent', { customerId, messageId: 'm-idem', subject: 'Welcome' })).status).toBe(201);
    const purchase = await ingest.post('/v1/interactions/purchases', {
      customerId, orderId: 'o-idem', channel: 'web', currency: 'EUR', lines: [{ sku: 'S', name: 'Sofa', category: 'home', quantity: 1, unitPriceMinor: 1000_00 }],
    });
    expect(purchase.status).toBe(201);
    // The loyalty reactor turns the purchase into points; redemptions below spend them.
    await eventually(async () => expect((await support.get(`/v1/customers/${customerId}/loyalty`)).body?.balance).toBeGreaterThanOrEqual(1000));
  });

  afterAll(async () => {
    await events?.close();
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const note = (noteId: string, text: string) => ({ customerId, noteId, text, authorId: 'agent-7' });
  const call = (callId: string, durationSeconds: number) => ({ customerId, callId, direction: 'inbound', durationSeconds, outcome: 'resolved' });
  const stored = async (streamId: string): Promise<RecordedEvent[]> => events.readStream(streamId);
  const postAll = (requests: readonly (() => Promise<ApiResponse>)[]) => Promise.all(requests.map((send) => send()));

  it.each([
    [2, 150],
    [10, 30],
  ])('%i concurrent requests with one Idempotency-Key and different notes (%i trials): one is recorded and acknowledged, the others 409', async (concurrent, trials) => {
    for (let trial = 0; trial < trials; trial += 1) {
      const key = `k-notes-${concurrent}-${trial}-${run}`;
      const noteIds = Array.from({ length: concurrent }, (_, index) => `n-${concurrent}-${trial}-${index}`);
      const responses = await postAll(noteIds.map((noteId, index) => () => support.post('/v1/interactions/notes', note(noteId, `text ${index}`), { 'Idempotency-Key': key })));
      const winner = expectOneAcknowledgement(responses, 'Idempotency-Key');
      const streams = await Promise.all(noteIds.map((noteId) => stored(`note-${noteId}`)));
      expect(streams.map((stream) => stream.length)).toEqual(noteIds.map((_, index) => (index === winner ? 1 : 0)));
      expect(streams[winner][0].data).toMatchObject({ text: `text ${winner}` });
    }
  });

  it('2 to 5 concurrent requests with one Idempotency-Key for one note with different texts (60 trials): the acknowledged text is the stored one', async () => {
    for (let trial = 0; trial < 60; trial += 1) {
      const key = `k-text-${trial}-${run}`;
      const noteId = `nt-${trial}`;
      const concurrent = 2 + (trial % 4);
      const responses = await postAll(Array.from({ length: concurrent }, (_, index) => () => support.post('/v1/interactions/notes', note(noteId, `version ${index}`), { 'Idempotency-Key': key })));
      const winner = expectOneAcknowledgement(responses, 'Idempotency-Key');
      const stream = await stored(`note-${noteId}`);
      expect(stream.map((event) => (event.data as { text: string }).text)).toEqual([`version ${winner}`]);
    }
  });

  it.each([
    [20, 20],
    [2, 60],
  ])('%i concurrent identical requests with one Idempotency-Key (%i trials): one acknowledgement, every other answer is it, replayed', async (concurrent, trials) => {
    for (let trial = 0; trial < trials; trial += 1) {
      const key = `k-same-${concurrent}-${trial}-${run}`;
      const body = note(`ns-${concurrent}-${trial}`, 'the same text');
      const responses = await postAll(Array.from({ length: concurrent }, () => () => support.post('/v1/interactions/notes', body, { 'Idempotency-Key': key })));
      expect(responses.map((response) => response.status)).toEqual(responses.map(() => 201));
      expectOneAcknowledgement(responses, 'Idempotency-Key');
      expect(await stored(`note-${body.noteId}`)).toHaveLength(1);
    }
  });

  it('2 to 10 concurrent calls with one callId, no key, different bodies (60 trials): one is recorded and acknowledged, the others 409 on callId', async () => {
    for (let trial = 0; trial < 60; trial += 1) {
      const callId = `call-diff-${trial}`;
      const concurrent = 2 + (trial % 9);
      const responses = await postAll(Array.from({ length: concurrent }, (_, index) => () => ingest.post('/v1/interactions/calls', call(callId, 60 + index))));
      const winner = expectOneAcknowledgement(responses, 'callId');
      const stream = await stored(`call-${callId}`);
      expect(stream.map((event) => (event.data as { durationSeconds: number }).durationSeconds)).toEqual([60 + winner]);
    }
  });

  it('10 concurrent identical calls with one callId, no key (30 trials): one acknowledgement, the others replay it', async () => {
    for (let trial = 0; trial < 30; trial += 1) {
      const callId = `call-same-${trial}`;
      const responses = await postAll(Array.from({ length: 10 }, () => () => ingest.post('/v1/interactions/calls', call(callId, 42))));
      expect(responses.map((response) => response.status)).toEqual(responses.map(() => 201));
      expectOneAcknowledgement(responses, 'callId');
      expect(await stored(`call-${callId}`)).toHaveLength(1);
    }
  });

  it('one Idempotency-Key sent at once to five different routes (40 trials): one request runs, the others are 409', async () => {
    for (let trial = 0; trial < 40; trial += 1) {
      const key = `k-routes-${trial}-${run}`;
      const ids = { note: `nr-${trial}`, call: `cr-${trial}`, ticket: `tr-${trial}`, redemption: `rr-${trial}`, batchCall: `br-${trial}` };
      const headers = { 'Idempotency-Key': key };
      const responses = await postAll([
        () => ingest.post('/v1/interactions/notes', note(ids.note, 'routes'), headers),
        () => ingest.post('/v1/interactions/calls', call(ids.call, 5), headers),
        () => ingest.post('/v1/tickets', { customerId, ticketId: ids.ticket, subject: 'Routes', channel: 'web', priority: 'low' }, headers),
        () => ingest.post(`/v1/customers/${customerId}/loyalty/redemptions`, { redemptionId: ids.redemption, points: 1, reason: 'routes' }, headers),
        () => ingest.post('/v1/interactions/batch', { items: [{ type: 'call', ...call(ids.batchCall, 6) }] }, headers),
      ]);
      const acknowledged = responses.flatMap((response, index) => (response.status < 300 ? [index] : []));
      expect(acknowledged).toHaveLength(1);
      for (const [index, response] of responses.entries()) if (index !== acknowledged[0]) expectConflictOn(response, 'Idempotency-Key');

      const written = [
        (await stored(`note-${ids.note}`)).length,
        (await stored(`call-${ids.call}`)).length,
        (await stored(`ticket-${ids.ticket}`)).length,
        (await stored(`loyalty-${customerId}`)).filter((event) => (event.data as { redemptionId?: string }).redemptionId === ids.redemption).length,
        (await stored(`call-${ids.batchCall}`)).length,
      ];
      expect(written).toEqual(written.map((_, index) => (index === acknowledged[0] ? 1 : 0)));
    }
  });

  it('5 concurrent identical batches with one Idempotency-Key (15 trials): one runs, the others get its answer with every item replayed', async () => {
    for (let trial = 0; trial < 15; trial += 1) {
      const key = `k-batch-${trial}-${run}`;
      const body = {
        items: [
          { type: 'call', ...call(`bc-${trial}`, 7) },
          { type: 'note', ...note(`bn-${trial}`, 'from a batch') },
          // No natural key: its event id derives from the batch's key and the item's index.
          { type: 'email-opened', customerId, messageId: 'm-idem' },
          { type: 'note', ...note(`bn-${trial}`, 'the same note id again') },
        ],
      };
      const responses = await postAll(Array.from({ length: 5 }, () => () => ingest.post('/v1/interactions/batch', body, { 'Idempotency-Key': key })));
      expect(responses.map((response) => response.status)).toEqual(responses.map(() => 200));
      const itemsOf = (response: ApiResponse) => response.body.results as { index: number; status: number; outcome?: Outcome; problem?: { errors?: { field: string }[] } }[];
      const runs = responses.filter((response) => itemsOf(response).some((item) => item.outcome?.replayed === false));
      expect(runs).toHaveLength(1);
      const first = itemsOf(runs[0]);
      expect(first.map((item) => item.status)).toEqual([201, 201, 201, 409]);
      expect(first[3].problem?.errors?.map((error) => error.field)).toEqual(['items[3].noteId']);
      for (const response of responses) {
        if (response === runs[0]) continue;
        expect(itemsOf(response)).toEqual(first.map((item) => (item.outcome ? { ...item, outcome: { ...item.outcome, replayed: true } } : item)));
      }
      expect((await stored(`call-bc-${trial}`)).length).toBe(1);
      expect((await stored(`note-bn-${trial}`)).map((event) => (event.data as { text: string }).text)).toEqual(['from a batch']);
      expect((await stored('email-m-idem')).filter((event) => event.metadata.idempotencyKey === `${key}#2`)).toHaveLength(1);
    }
  });

  it('an Idempotency-Key is the API key\'s own: sent one after the other to another note it is a 409; another API key may use the same key', async () => {
    const first = await ingest.post('/v1/interactions/notes', note('n-seq-1', 'one'), { 'Idempotency-Key': `k-seq-${run}` });
    const reused = await ingest.post('/v1/interactions/notes', note('n-seq-2', 'two'), { 'Idempotency-Key': `k-seq-${run}` });
    expect(first.status).toBe(201);
    expectConflictOn(reused, 'Idempotency-Key');
    // A wrong key, not a wait: its own code and no Retry-After (sending it again cannot help).
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(reused.headers['retry-after']).toBeUndefined();
    expect(await stored('note-n-seq-2')).toEqual([]);

    const otherCaller = await ingest2.post('/v1/interactions/notes', note('n-seq-2', 'two'), { 'Idempotency-Key': `k-seq-${run}` });
    expect(otherCaller.status).toBe(201);
    expect(otherCaller.body.replayed).toBe(false);
    expect(await stored('note-n-seq-2')).toHaveLength(1);
  });

  it('a retried loyalty redemption answers the original result, replayed, with or without a key', async () => {
    const redemption = { redemptionId: `rd-retry-${run}`, points: 3, reason: 'voucher' };
    const path = `/v1/customers/${customerId}/loyalty/redemptions`;
    const first = await support.post(path, redemption);
    const again = await support.post(path, redemption);
    expect(first.status).toBe(201);
    expect(first.body.eventIds).toHaveLength(1);
    expect(again.body).toEqual({ ...first.body, replayed: true });

    const keyed = { ...redemption, redemptionId: `rd-keyed-${run}` };
    const keyedFirst = await support.post(path, keyed, { 'Idempotency-Key': `k-rd-${run}` });
    const keyedAgain = await support.post(path, keyed, { 'Idempotency-Key': `k-rd-${run}` });
    expect(keyedAgain.body).toEqual({ ...keyedFirst.body, replayed: true });
    const redeemed = (await stored(`loyalty-${customerId}`)).filter((event) => event.type === 'PointsRedeemed' && [redemption.redemptionId, keyed.redemptionId].includes((event.data as { redemptionId: string }).redemptionId));
    expect(redeemed).toHaveLength(2);
  });

  it('a 4xx refusal frees the key for a corrected retry', async () => {
    const key = `k-corrected-${run}`;
    const refused = await ingest.post('/v1/interactions/notes', { ...note('n-corrected', 'hello'), customerId: 'c-nobody' }, { 'Idempotency-Key': key });
    expect(refused.status).toBe(404);
    const corrected = await ingest.post('/v1/interactions/notes', note('n-corrected', 'hello'), { 'Idempotency-Key': key });
    expect(corrected.status).toBe(201);
    expect(corrected.body.replayed).toBe(false);
    expect(await stored('note-n-corrected')).toHaveLength(1);
  });

  it('in the whole event store, no Idempotency-Key of one API key names two streams', async () => {
    const byKey = new Map<string, Set<string>>();
    for (const event of await events.readAll()) {
      const key = event.metadata.idempotencyKey;
      if (key === undefined) continue;
      // The actor is the API key's label here (no X-Actor-Id was sent): one entry per API key and Idempotency-Key.
      const streams = byKey.get(`${event.metadata.actor.id} ${key}`) ?? new Set<string>();
      streams.add(event.streamId);
      byKey.set(`${event.metadata.actor.id} ${key}`, streams);
    }
    expect(byKey.size).toBeGreaterThanOrEqual(400);
    expect([...byKey.entries()].filter(([, streams]) => streams.size > 1)).toEqual([]);
  });
});

describe('Idempotency across two command APIs on one event store file', () => {
  let dataDir: string;
  let apis: RunningChronicle[];
  let clients: ApiClient[];
  let events: EventStore;
  const customerId = 'c-two';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-idempotency-two-'));
    // Two processes' worth of connections and waiters: each API has its own event store and key store connections.
    const env = (reactors: boolean) => ({
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'warn',
      CHRONICLE_ROLE: 'command-api',
      LOYALTY_REACTOR: String(reactors),
      SEGMENTS_REACTOR: String(reactors),
      API_KEYS: `ingest=${KEYS.ingest}`,
    });
    apis = [await startChronicle(env(true)), await startChronicle(env(false))];
    clients = apis.map((api) => new ApiClient(api.url, KEYS.ingest));
    events = await openDecodingEventStore(dataDir);
    expect((await clients[0].post('/v1/customers', { customerId, profile: { firstName: 'Two', lastName: 'Apis' } })).status).toBe(201);
  });

  afterAll(async () => {
    await events?.close();
    for (const api of apis ?? []) await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const note = (noteId: string, text: string) => ({ customerId, noteId, text, authorId: 'agent-7' });

  it('one Idempotency-Key, different notes, sent to both APIs at once (100 trials): one is recorded and acknowledged', async () => {
    for (let trial = 0; trial < 100; trial += 1) {
      const key = `k-two-${trial}`;
      const noteIds = [0, 1, 2, 3].map((index) => `n2-${trial}-${index}`);
      const responses = await Promise.all(noteIds.map((noteId, index) => clients[index % 2].post('/v1/interactions/notes', note(noteId, `text ${index}`), { 'Idempotency-Key': key })));
      const winner = expectOneAcknowledgement(responses, 'Idempotency-Key');
      const streams = await Promise.all(noteIds.map((noteId) => events.readStream(`note-${noteId}`)));
      expect(streams.map((stream) => stream.length)).toEqual(noteIds.map((_, index) => (index === winner ? 1 : 0)));
    }
  });

  it('one Idempotency-Key, the same note, sent to both APIs at once (100 trials): one acknowledgement, the others replay it', async () => {
    for (let trial = 0; trial < 100; trial += 1) {
      const key = `k-two-same-${trial}`;
      const body = note(`n2s-${trial}`, 'same');
      const responses = await Promise.all([0, 1, 2, 3, 4, 5].map((index) => clients[index % 2].post('/v1/interactions/notes', body, { 'Idempotency-Key': key })));
      expect(responses.map((response) => response.status)).toEqual(responses.map(() => 201));
      expectOneAcknowledgement(responses, 'Idempotency-Key');
      expect(await events.readStream(`note-${body.noteId}`)).toHaveLength(1);
    }
  });

  it('one callId, different calls, no key, sent to both APIs at once (100 trials): one is recorded and acknowledged', async () => {
    for (let trial = 0; trial < 100; trial += 1) {
      const callId = `call-two-${trial}`;
      const responses = await Promise.all([0, 1, 2, 3].map((index) =>
        clients[index % 2].post('/v1/interactions/calls', { customerId, callId, direction: 'outbound', durationSeconds: 10 + index, outcome: 'resolved' }),
      ));
      const winner = expectOneAcknowledgement(responses, 'callId');
      expect((await events.readStream(`call-${callId}`)).map((event) => (event.data as { durationSeconds: number }).durationSeconds)).toEqual([10 + winner]);
    }
  });
});
