// The auditor's tools end to end on the embedded default, over real HTTP on real SQLite files:
// history with full envelopes (JSON and NDJSON), the actor no header can forge, the 360 view and
// timeline as of any position (equal to a replay of the log up to it) and as of now (equal to the
// live view), a stored v1 event served as v2 everywhere, the access log, and the audit roles.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { deterministicEventId, FixedClock, type NewEvent, type RecordedEvent } from '@app/event-sourcing';
import { SqliteAccessLog, SqliteEventStore } from '@app/event-store';
import { SqliteReadStore } from '@app/read-store';
import { ProjectorRunner } from '@app/transport';
import { customer360View, CUSTOMER_360_ENRICHER_FACTORY, type Customer360EnricherFactory } from '@app/customer-view';
import { AuditController } from '@app/audit';
import { chronicleProjections, seed, startChronicle, type RunningChronicle } from '@app/composition';
import { LoyaltyBackground } from '@app/loyalty';
import { SegmentsBackground } from '@app/segments';
import { ApiClient } from '../support/api-client';
import { eventually } from '../support/eventually';
import { startServer } from '../support/chronicle-process';
import { openDecodingEventStore } from '../support/decoding-event-store';
import { apiKeysSetting } from '../support/api-keys';

jest.setTimeout(240_000);

const KEYS = {
  ingest: 'test-ingest-key-0123456789',
  support: 'test-support-key-0123456789',
  analyst: 'test-analyst-key-0123456789',
  auditor: 'test-auditor-key-0123456789',
  admin: 'test-admin-key-0123456789',
};
const API_KEYS = apiKeysSetting(KEYS);
// Keys from API_KEYS are named by their place in it: env-<n>, label <role>-env-<n>.
const KEY_IDS = Object.fromEntries(Object.keys(KEYS).map((role, index) => [role, { id: `env-${index + 1}`, name: `${role}-env-${index + 1}`, role }])) as Record<keyof typeof KEYS, { id: string; name: string; role: string }>;
// The application's clock: an hour ahead of the real one (which stamps recordedAt), so every event is
// recorded before NOW and "as of NOW" is the same instant the live view is evaluated at.
const NOW = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 3_600_000);

/** Reads an NDJSON body into its values. */
async function ndjson(url: string, key: string): Promise<{ status: number; contentType: string | null; values: unknown[] }> {
  const response = await fetch(url, { headers: { Authorization: `Bearer ${key}`, Accept: 'application/x-ndjson' } });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type'), values: text.split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line) as unknown) };
}

describe('Auditors (embedded)', () => {
  const directories: string[] = [];
  let dataDir: string;
  let chronicle: RunningChronicle;
  let ingest: ApiClient;
  let support: ApiClient;
  let auditor: ApiClient;
  const clock = new FixedClock(NOW);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-audit-e2e-'));
    directories.push(dataDir);
    chronicle = await startChronicle(
      { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', API_KEYS, SEGMENTS_SWEEP_INTERVAL_MS: '0', LOYALTY_SWEEP_INTERVAL_MS: '0' },
      { clock },
    );
    ingest = new ApiClient(chronicle.url, KEYS.ingest);
    support = new ApiClient(chronicle.url, KEYS.support);
    auditor = new ApiClient(chronicle.url, KEYS.auditor);

    expect((await seed({ url: chronicle.url, apiKey: KEYS.ingest, customers: 12, seed: 9, concurrency: 4, progress: false })).failures).toEqual([]);
    const analyst = new ApiClient(chronicle.url, KEYS.analyst);
    expect((await analyst.post('/v1/segments', { segmentId: 'buyers', name: 'Buyers', rule: { purchases: { count: { gte: 1 }, withinDays: 3650 } } })).status).toBe(201);
    await settled();
  });

  afterAll(async () => {
    await chronicle?.close();
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  /** The projector and both reactors have handled everything in the log, and nothing moved meanwhile. */
  async function settled(): Promise<number> {
    const anonymous = new ApiClient(chronicle.url);
    const reactors = [chronicle.app.get(LoyaltyBackground).purchaseReactor, chronicle.app.get(SegmentsBackground).segmentsReactor];
    return eventually(async () => {
      const ready = (await anonymous.get('/health/ready')).body.details;
      const head = ready.eventStore.headPosition as number;
      expect(ready.readStore.projectorCheckpoint).toBe(head);
      expect(reactors.map((reactor) => reactor?.position)).toEqual([head, head]);
      expect((await anonymous.get('/health/ready')).body.details.eventStore.headPosition).toBe(head);
      return head;
    }, 60_000);
  }

  it('shows a stream with every event\'s full envelope: the actor is the API key, the client\'s X-Actor-Id only onBehalfOf', async () => {
    const customerId = 'demo-00003';
    const forged = { 'X-Actor-Id': 'agent-42', 'X-Actor-Name': 'root', 'X-Actor-Role': 'admin', 'X-Correlation-Id': 'corr-audit-1', 'X-Causation-Id': 'cause-1', 'X-Source': 'console', 'Idempotency-Key': 'audit-note-1' };
    const note = await support.post('/v1/interactions/notes', { customerId, noteId: 'audit-n1', text: 'Called about a refund', authorId: 'agent-42' }, forged);
    expect(note.status).toBe(201);
    // A body cannot carry an actor either.
    expect((await support.post('/v1/interactions/notes', { customerId, noteId: 'audit-n2', text: 'x', authorId: 'a', actor: { id: 'root' } })).status).toBe(400);

    const history = await auditor.get('/v1/audit/streams/note-audit-n1');
    expect(history.status).toBe(200);
    expect(history.body).toEqual({
      streamId: 'note-audit-n1',
      nextRevision: null,
      items: [
        {
          position: note.body.position,
          streamId: 'note-audit-n1',
          revision: 0,
          eventId: note.body.eventIds[0],
          type: 'NoteAdded',
          recordedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
          metadata: {
            customerId,
            schemaVersion: 1,
            occurredAt: NOW.toISOString(),
            actor: { type: 'agent', ...KEY_IDS.support },
            onBehalfOf: { id: 'agent-42' },
            source: 'console',
            correlationId: 'corr-audit-1',
            causationId: 'cause-1',
            idempotencyKey: 'audit-note-1',
            // The customer's data key that sealed the note's text (issue 10): shown, the text decrypted.
            dataKeyId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          },
          data: { customerId, noteId: 'audit-n1', text: 'Called about a refund', authorId: 'agent-42' },
        },
      ],
    });
    expect((await auditor.get('/v1/audit/streams/note-nothing-here')).status).toBe(404);
    // Found from outside: the export of a stream with no events was an empty 200.
    const exported = await ndjson(`${chronicle.url}/v1/audit/streams/note-nothing-here`, KEYS.auditor);
    expect({ status: exported.status, contentType: exported.contentType, values: exported.values }).toEqual({
      status: 404, contentType: expect.stringMatching(/^application\/problem\+json/), values: [expect.objectContaining({ code: 'NOT_FOUND', errors: [expect.objectContaining({ field: 'streamId' })] })],
    });
    expect((await auditor.get('/v1/audit/streams/$chronicle-seals')).status).toBe(400);
  });

  it('pages a stream by revision and the global log by position, recordedAt range, type and customer; NDJSON gives the same events', async () => {
    const customerId = 'demo-00001';
    const ticket = 'ticket-t-audit';
    expect((await support.post('/v1/tickets', { customerId, ticketId: 't-audit', subject: 'Broken zip', channel: 'email', priority: 'high' })).status).toBe(201);
    for (let n = 0; n < 4; n++) expect((await support.post('/v1/tickets/t-audit/replies', { author: 'agent', authorId: 'agent-1', body: `reply ${n}` })).status).toBe(201);
    const first = await auditor.get(`/v1/audit/streams/${ticket}?limit=2`);
    expect(first.body.items.map((e: RecordedEvent) => e.revision)).toEqual([0, 1]);
    expect(first.body.nextRevision).toBe(2);
    const rest = await auditor.get(`/v1/audit/streams/${ticket}?fromRevision=2&limit=10`);
    expect(rest.body.items.map((e: RecordedEvent) => e.revision)).toEqual([2, 3, 4]);
    expect(rest.body.nextRevision).toBeNull();
    // A last page exactly full says it is the last (found from outside: it named a next, empty page).
    const lastTwo = await auditor.get(`/v1/audit/streams/${ticket}?fromRevision=3&limit=2`);
    expect(lastTwo.body).toMatchObject({ items: [{ revision: 3 }, { revision: 4 }], nextRevision: null });
    const streamed = await ndjson(`${chronicle.url}/v1/audit/streams/${ticket}`, KEYS.auditor);
    expect(streamed.contentType).toMatch(/^application\/x-ndjson/);
    expect(streamed.values).toEqual([...first.body.items, ...rest.body.items]);
    expect((await ndjson(`${chronicle.url}/v1/audit/streams/${ticket}?limit=2`, KEYS.auditor)).values).toEqual(first.body.items);
    expect((await ndjson(`${chronicle.url}/v1/audit/streams/${ticket}?fromRevision=3&limit=1`, KEYS.auditor)).values).toEqual(rest.body.items.slice(1, 2));
    // Past its end: an empty export, as the JSON page is empty.
    expect(await ndjson(`${chronicle.url}/v1/audit/streams/${ticket}?fromRevision=99`, KEYS.auditor)).toMatchObject({ status: 200, values: [] });

    // The whole log, page by page, equals the NDJSON export.
    const pages: RecordedEvent[] = [];
    for (let after: number | null = 0; after !== null; ) {
      const page = await auditor.get(`/v1/audit/log?after=${after}&limit=250`);
      expect(page.status).toBe(200);
      pages.push(...page.body.items);
      after = page.body.nextAfter;
    }
    expect(pages.length).toBeGreaterThan(250);
    expect(pages.map((e) => e.position)).toEqual([...pages.map((e) => e.position)].sort((a, b) => a - b));
    const last = pages[pages.length - 1].position;
    // Reactors may still append after the pages were read: compare what both cover.
    const exported = await ndjson(`${chronicle.url}/v1/audit/log`, KEYS.auditor);
    expect((exported.values as RecordedEvent[]).filter((e) => e.position <= last)).toEqual(pages);

    const calls = await auditor.get(`/v1/audit/log?type=CallLogged,PurchaseCompleted&customerId=${customerId}&limit=1000`);
    expect(calls.body.items.length).toBeGreaterThan(0);
    expect(calls.body.items.filter((e: RecordedEvent) => e.position <= last)).toEqual(pages.filter((e) => e.metadata.customerId === customerId && ['CallLogged', 'PurchaseCompleted'].includes(e.type)));
    const middle = pages[Math.floor(pages.length / 2)];
    const window = await auditor.get(`/v1/audit/log?after=${pages[10].position}&until=${middle.position}&limit=1000`);
    expect(window.body.items).toEqual(pages.filter((e) => e.position > pages[10].position && e.position <= middle.position));
    // A range's last page exactly full: no next page named; one short of it: the next one named.
    const exact = middle.position - pages[10].position;
    expect((await auditor.get(`/v1/audit/log?after=${pages[10].position}&until=${middle.position}&limit=${exact}`)).body.nextAfter).toBeNull();
    expect((await auditor.get(`/v1/audit/log?after=${pages[10].position}&until=${middle.position}&limit=${exact - 1}`)).body.nextAfter).toBe(middle.position - 1);
    const recorded = await auditor.get(`/v1/audit/log?from=${encodeURIComponent(middle.recordedAt)}&limit=1000`);
    expect(recorded.body.items.filter((e: RecordedEvent) => e.position <= last)).toEqual(pages.filter((e) => e.recordedAt >= middle.recordedAt));
    expect((await auditor.get('/v1/audit/log?from=yesterday')).body.errors).toEqual([expect.objectContaining({ field: 'from' })]);
  });

  it('shows the 360 view as of each of a customer\'s positions equal to a replay of the whole log up to it', async () => {
    const customerId = 'demo-00002';
    // The log as the projector reads it (personal values decrypted).
    const store = await openDecodingEventStore(dataDir);
    const enrichers = chronicle.app.get<Customer360EnricherFactory>(CUSTOMER_360_ENRICHER_FACTORY);
    try {
      const log = await store.readAll();
      const positions = log.filter((e) => e.metadata.customerId === customerId).map((e) => e.position);
      expect(positions.length).toBeGreaterThan(5);
      // Before the first event, at each event, and between two of them.
      const probes = [positions[0] - 1, ...positions, positions[2] + 1].filter((p, i, all) => p > 0 && all.indexOf(p) === i);
      for (const position of probes) {
        const replay = new SqliteReadStore(':memory:');
        try {
          const runner = new ProjectorRunner(replay, chronicleProjections('EUR'), { name: 'replay' });
          await runner.start();
          await runner.applyBatch(log.filter((e) => e.position <= position));
          const at = new Date((log.find((e) => e.position === position) as RecordedEvent).recordedAt);
          const expected = await customer360View(replay, enrichers(replay, new FixedClock(at)), customerId, at);
          const answer = await auditor.get(`/v1/audit/customers/${customerId}/360?asOf=${position}`);
          if (expected === null) {
            expect({ position, status: answer.status }).toEqual({ position, status: 404 });
          } else {
            expect({ position, status: answer.status }).toEqual({ position, status: 200 });
            expect(answer.body).toEqual(JSON.parse(JSON.stringify(expected)));
            expect(answer.headers['x-chronicle-as-of']).toBe(at.toISOString());
            expect(Number(answer.headers['x-chronicle-as-of-position'])).toBe(Math.max(...positions.filter((p) => p <= position)));
          }
        } finally {
          await replay.close();
        }
      }
    } finally {
      await store.close();
    }
  });

  it('as of now equals the live 360 view field for field (loyalty, segments, value figures included), and so does the timeline', async () => {
    await settled();
    let compared = 0;
    for (let n = 1; n <= 12; n++) {
      const customerId = `demo-${String(n).padStart(5, '0')}`;
      const live = await support.get(`/v1/customers/${customerId}`);
      const asOf = await auditor.get(`/v1/audit/customers/${customerId}/360`);
      expect(asOf.status).toBe(live.status);
      expect(asOf.body).toEqual(live.body);
      const nowInstant = await auditor.get(`/v1/audit/customers/${customerId}/360?asOf=${encodeURIComponent(NOW.toISOString())}`);
      expect(nowInstant.body).toEqual(live.body);
      if (live.status === 200) compared++;
      const liveTimeline = await support.get(`/v1/customers/${customerId}/timeline?limit=7`);
      const asOfTimeline = await auditor.get(`/v1/audit/customers/${customerId}/timeline?limit=7`);
      expect(asOfTimeline.body).toEqual(liveTimeline.body);
      if (liveTimeline.body.nextCursor) {
        const cursor = encodeURIComponent(liveTimeline.body.nextCursor as string);
        expect((await auditor.get(`/v1/audit/customers/${customerId}/timeline?limit=7&cursor=${cursor}`)).body).toEqual((await support.get(`/v1/customers/${customerId}/timeline?limit=7&cursor=${cursor}`)).body);
      }
    }
    expect(compared).toBe(12);
    // The enrichers took part: some customer has loyalty points and a segment.
    const views = await Promise.all(Array.from({ length: 12 }, (_, i) => auditor.get(`/v1/audit/customers/demo-${String(i + 1).padStart(5, '0')}/360`)));
    expect(views.some((v) => (v.body.loyalty?.balance ?? 0) > 0 && v.body.segmentIds.includes('buyers') && v.body.value !== null)).toBe(true);
  });

  it('answers as of an instant with what was recorded by then, and refuses a malformed asOf naming it', async () => {
    const customerId = 'c-asof';
    expect((await ingest.post('/v1/customers', { customerId, profile: { firstName: 'Ada', lastName: 'Before' } })).status).toBe(201);
    const between = new Date();
    await eventually(async () => expect(Date.now()).toBeGreaterThan(between.getTime() + 2));
    expect((await ingest.post('/v1/interactions/calls', { customerId, callId: 'asof-1', direction: 'inbound', durationSeconds: 60, connection: 'answered', resolution: 'resolved' })).status).toBe(201);
    const before = await auditor.get(`/v1/audit/customers/${customerId}/360?asOf=${encodeURIComponent(between.toISOString())}`);
    expect(before.status).toBe(200);
    expect(before.body.calls.count).toBe(0);
    expect(before.headers['x-chronicle-as-of']).toBe(between.toISOString());
    const after = await auditor.get(`/v1/audit/customers/${customerId}/360`);
    expect(after.body.calls.count).toBe(1);
    expect((await auditor.get(`/v1/audit/customers/${customerId}/360?asOf=2020-01-01T00:00:00Z`)).status).toBe(404);
    // The timeline as of then says the same (it answered an empty page): the customer was not registered yet.
    const timelineBefore = await auditor.get(`/v1/audit/customers/${customerId}/timeline?asOf=2020-01-01T00:00:00Z`);
    expect({ status: timelineBefore.status, errors: timelineBefore.body.errors }).toEqual({ status: 404, errors: [expect.objectContaining({ field: 'customerId' })] });
    // Found from outside: a replay as of a time still to come (up to year 9999) or a position the log has
    // not reached answered 200, with the clock-dependent figures judged then. Refused as the analytics routes refuse it.
    for (const [asOf, message] of [
      ['9999-12-31T23:59:59.999Z', `asOf must not lie in the future (now is ${NOW.toISOString()})`],
      [new Date(NOW.getTime() + 1).toISOString(), `asOf must not lie in the future (now is ${NOW.toISOString()})`],
      ['99999999', expect.stringMatching(/^asOf must be a position the log has reached \(its head is \d+\)$/)],
    ] as const) {
      for (const view of ['360', 'timeline']) {
        const refused = await auditor.get(`/v1/audit/customers/${customerId}/${view}?asOf=${encodeURIComponent(asOf)}`);
        expect({ view, status: refused.status, errors: refused.body.errors }).toEqual({ view, status: 400, errors: [{ field: 'asOf', message }] });
      }
    }
    const bad = await auditor.get(`/v1/audit/customers/${customerId}/360?asOf=last-tuesday`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'asOf' })]);
  });

  it('serves a CallLogged stored at schema v1 as v2 on every path: projector, timeline, audit views, commands', async () => {
    const customerId = 'demo-00004';
    const callId = 'legacy-v1';
    const streamId = `call-${callId}`;
    const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    try {
      // As a release before v2 wrote it, with the id the command side derives for this call.
      const legacy: NewEvent = {
        eventId: deterministicEventId(streamId, 'natural:create', 0),
        type: 'CallLogged',
        data: { customerId, callId, direction: 'inbound', durationSeconds: 95, outcome: 'follow_up', agentId: 'agent-3' },
        metadata: { customerId, schemaVersion: 1, occurredAt: '2026-11-30T09:00:00.000Z', actor: { type: 'service', id: 'pbx' }, source: 'pbx', correlationId: 'legacy', causationId: null },
      };
      await store.append(streamId, [legacy], { expectedRevision: 'no_stream' });
      expect((await store.readStream(streamId))[0].metadata.schemaVersion).toBe(1);
    } finally {
      await store.close();
    }
    const v2 = { customerId, callId, direction: 'inbound', durationSeconds: 95, connection: 'answered', resolution: 'follow_up', agentId: 'agent-3' };

    // Projector → live timeline.
    const entry = await eventually(async () => {
      const page = await support.get(`/v1/customers/${customerId}/timeline?kind=CallLogged&limit=200`);
      const found = page.body.items.find((item: { streamId: string }) => item.streamId === streamId);
      expect(found).toBeDefined();
      return found;
    });
    expect(entry.summary).toBe('Inbound call, 1m 35s, follow up');
    expect(entry.data).toEqual(v2);
    // Audit stream, audit log (JSON and NDJSON), the as-of timeline.
    const history = await auditor.get(`/v1/audit/streams/${streamId}`);
    expect(history.body.items[0].data).toEqual(v2);
    expect(history.body.items[0].metadata.schemaVersion).toBe(2);
    const logged = await auditor.get(`/v1/audit/log?customerId=${customerId}&type=CallLogged&limit=1000`);
    expect(logged.body.items.find((e: RecordedEvent) => e.streamId === streamId).data).toEqual(v2);
    const exported = await ndjson(`${chronicle.url}/v1/audit/log?customerId=${customerId}&type=CallLogged`, KEYS.auditor);
    expect((exported.values as RecordedEvent[]).find((e) => e.streamId === streamId)?.data).toEqual(v2);
    const asOfTimeline = await auditor.get(`/v1/audit/customers/${customerId}/timeline?kind=CallLogged&limit=200`);
    expect(asOfTimeline.body.items.find((item: { streamId: string }) => item.streamId === streamId).data).toEqual(v2);
    // Commands: the same call sent again (older `outcome` form) is recognised as the stored fact,
    // which only holds if the command side reads the stored v1 event as v2.
    const again = await support.post('/v1/interactions/calls', { customerId, callId, direction: 'inbound', durationSeconds: 95, outcome: 'follow_up', agentId: 'agent-3' });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ streamId, replayed: true });
    const different = await support.post('/v1/interactions/calls', { customerId, callId, direction: 'inbound', durationSeconds: 95, connection: 'busy' });
    expect(different.status).toBe(409);
  });

  it('records every read of customer data in the access log: who, for whom, what, whose, when', async () => {
    const customerId = 'demo-00005';
    /** Every entry of a filter, page after page. */
    const all = async (filter: string, limit = 100): Promise<{ id: string; actor: { id: string }; onBehalfOf?: { id: string }; action: string; customerId: string | null; resource: string; at: string }[]> => {
      const entries = [];
      for (let cursor: string | null = null; ; ) {
        const page = await auditor.get(`/v1/audit/access-log?${filter}&limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`);
        expect(page.status).toBe(200);
        entries.push(...page.body.items);
        cursor = page.body.nextCursor;
        if (cursor === null) return entries;
      }
    };
    const before = (await all(`customerId=${customerId}`)).length;
    expect((await support.get(`/v1/customers/${customerId}`, { 'X-Actor-Id': 'agent-7' })).status).toBe(200);
    expect((await support.get(`/v1/customers/${customerId}/timeline`)).status).toBe(200);
    expect((await auditor.get(`/v1/audit/customers/${customerId}/360?asOf=5`)).status).toBeLessThan(500);
    expect((await auditor.get(`/v1/audit/customers/${customerId}/timeline`)).status).toBe(200);
    expect((await auditor.get(`/v1/audit/streams/customer-${customerId}`)).status).toBe(200);
    expect((await auditor.get(`/v1/audit/log?customerId=${customerId}&limit=5`)).status).toBe(200);
    expect((await ndjson(`${chronicle.url}/v1/audit/log?customerId=${customerId}`, KEYS.auditor)).status).toBe(200);
    expect((await auditor.get('/v1/audit/log?limit=1')).status).toBe(200);

    const trail = await all(`customerId=${customerId}`);
    const entries = trail.slice(before);
    expect(entries.map((e) => [e.action, e.actor.id, e.customerId])).toEqual([
      ['customer360', KEY_IDS.support.id, customerId],
      ['timeline', KEY_IDS.support.id, customerId],
      ['audit-360-as-of', KEY_IDS.auditor.id, customerId],
      ['audit-timeline-as-of', KEY_IDS.auditor.id, customerId],
      ['audit-stream', KEY_IDS.auditor.id, customerId],
      ['audit-log', KEY_IDS.auditor.id, customerId],
      ['audit-log-export', KEY_IDS.auditor.id, customerId],
      // A read across every customer is part of every customer's trail.
      ['audit-log', KEY_IDS.auditor.id, null],
    ]);
    expect(entries[0]).toMatchObject({ onBehalfOf: { id: 'agent-7' }, resource: `GET /v1/customers/${customerId}`, at: NOW.toISOString() });
    expect(entries[0].actor).toEqual(KEY_IDS.support);
    // Paging gives the same trail in any page size; the reader and the time filter narrow it.
    expect(await all(`customerId=${customerId}`, 3)).toEqual(trail);
    const bySupport = await all(`actor=${KEY_IDS.support.name}&customerId=${customerId}`);
    expect(bySupport.slice(-2).map((e) => e.action)).toEqual(['customer360', 'timeline']);
    expect(bySupport.every((e) => e.actor.id === KEY_IDS.support.id)).toBe(true);
    expect(await all(`customerId=${customerId}&to=${encodeURIComponent(NOW.toISOString())}`)).toEqual([]);
    expect((await all(`customerId=${customerId}&from=${encodeURIComponent(NOW.toISOString())}`)).length).toBe(trail.length);
    // Kept apart from customer streams and the global log.
    const log = await auditor.get(`/v1/audit/log?customerId=${customerId}&limit=1000`);
    expect(log.body.items.some((e: RecordedEvent) => e.type.includes('access') || e.streamId.includes('access'))).toBe(false);
  });

  it('names no query parameter the route refuses in the access log: an id sent as a parameter name stays out', async () => {
    const customerId = 'demo-00006';
    const refused = await support.get(`/v1/customers/${customerId}?cus8f3a9c2d41e7=1`);
    expect(refused.status).toBe(400);
    const entries: { resource: string }[] = [];
    for (let cursor: string | null = null; ; ) {
      const page = await auditor.get(`/v1/audit/access-log?customerId=${customerId}&limit=500${cursor === null ? '' : `&cursor=${cursor}`}`);
      entries.push(...page.body.items);
      cursor = page.body.nextCursor;
      if (cursor === null) break;
    }
    expect(entries.map((entry) => entry.resource)).toContain(`GET /v1/customers/${customerId}?…`);
    expect(entries.some((entry) => entry.resource.includes('cus8f3a9c2d41e7'))).toBe(false);
  });

  it('records a read on every route that serves customer data, the console\'s included (ticket, queue, search, live streams, loyalty, segments, export)', async () => {
    // The whole class, from the served document: every read the API offers is either recorded or on
    // this list of reads that serve no customer's data (definitions, aggregates, the caller itself).
    const NO_CUSTOMER_DATA = new Set([
      'GET /health/live', 'GET /health/ready', 'GET /metrics', 'GET /v1/me', 'GET /v1/agents',
      'GET /v1/segments', 'GET /v1/segments/{segmentId}',
      'GET /v1/analytics/kpis', 'GET /v1/analytics/service', 'GET /v1/analytics/rfm/distribution', 'GET /v1/analytics/model',
      'GET /v1/audit/access-log',
    ]);
    const admin = new ApiClient(chronicle.url, KEYS.admin);
    const customerId = 'demo-00003';
    const ticketId = await eventually(async () => {
      const page = await admin.get('/v1/tickets?status=closed&limit=1');
      expect(page.body.items.length).toBe(1);
      return page.body.items[0].ticketId as string;
    });
    const ids: Record<string, string> = { customerId, ticketId, segmentId: 'buyers', streamId: `customer-${customerId}` };
    const queries: Record<string, string> = { '/v1/customers': `?id=${customerId}`, '/v1/tickets': '?status=closed', '/v1/audit/customers/{customerId}/360': '?asOf=5', '/v1/audit/log': '?limit=1' };
    const bodies: Record<string, unknown> = { '/v1/segments/preview': { rule: { purchases: { count: { gte: 1 }, withinDays: 3650 } }, sampleSize: 3 } };
    const document = (await admin.get('/docs/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const reads = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations)
        .filter((method) => method === 'get' || path.endsWith('/preview'))
        .map((method) => ({ method: method.toUpperCase(), path }))
        .filter(({ method, path: p }) => !NO_CUSTOMER_DATA.has(`${method} ${p}`)),
    );
    expect(reads.length).toBeGreaterThanOrEqual(20);
    const logged = async () => {
      const entries: { resource: string; actor: { id: string }; customerId: string | null }[] = [];
      for (let cursor: string | null = null; ; ) {
        const page = await auditor.get(`/v1/audit/access-log?actor=${KEY_IDS.admin.name}&limit=500${cursor === null ? '' : `&cursor=${cursor}`}`);
        entries.push(...page.body.items);
        cursor = page.body.nextCursor;
        if (cursor === null) return entries;
      }
    };
    const unrecorded: string[] = [];
    for (const { method, path } of reads) {
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name]) + (queries[path] ?? '');
      const before = (await logged()).length;
      const aborter = new AbortController();
      const response = await fetch(`${chronicle.url}${url}`, {
        method,
        signal: aborter.signal,
        headers: { Authorization: `Bearer ${KEYS.admin}`, ...(bodies[path] ? { 'Content-Type': 'application/json' } : {}) },
        ...(bodies[path] ? { body: JSON.stringify(bodies[path]) } : {}),
      });
      expect({ url, status: response.status }).toEqual({ url, status: 200 });
      const stream = response.headers.get('content-type')?.startsWith('text/event-stream') === true;
      aborter.abort();
      const recorded = async (): Promise<boolean> => (await logged()).slice(before).some((entry) => entry.resource === `${method} ${url.replace(/=[^&]*/g, '=…')}`);
      // An answer goes out only once its read is recorded. A live stream's headers may go first (they
      // carry no data; its first event waits for the entry: access-recorder.spec.ts), so its
      // entry may still be committing when the headers arrive: it is waited for.
      const found = stream
        ? await eventually(async () => {
            if (!(await recorded())) throw new Error(`${method} ${url} not recorded yet`);
            return true;
          }).catch(() => false)
        : await recorded();
      if (!found) unrecorded.push(`${method} ${url}`);
    }
    expect(unrecorded).toEqual([]);
  });

  it('refuses every audit route to every role but auditor and admin', async () => {
    const routes = Object.getOwnPropertyNames(AuditController.prototype)
      .filter((name) => name !== 'constructor')
      .map((name) => (AuditController.prototype as unknown as Record<string, unknown>)[name])
      .filter((handler): handler is object => typeof handler === 'function' && Reflect.getMetadata(PATH_METADATA, handler) !== undefined)
      .map((handler) => ({ method: Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod, path: Reflect.getMetadata(PATH_METADATA, handler) as string }));
    expect(routes.map((r) => r.path).sort()).toEqual(['access-log', 'customers/:customerId/360', 'customers/:customerId/timeline', 'log', 'streams/:streamId']);
    const concrete = routes.map((r) => `/v1/audit/${r.path.replace(':customerId', 'demo-00001').replace(':streamId', 'customer-demo-00001')}`);
    expect(routes.every((r) => r.method === RequestMethod.GET)).toBe(true);
    for (const url of concrete) {
      for (const role of ['ingest', 'support', 'analyst'] as const) {
        const answer = await new ApiClient(chronicle.url, KEYS[role]).get(url);
        expect({ url, role, status: answer.status }).toEqual({ url, role, status: 403 });
      }
      for (const role of ['auditor', 'admin'] as const) {
        const answer = await new ApiClient(chronicle.url, KEYS[role]).get(url);
        expect({ url, role, status: answer.status }).toEqual({ url, role, status: 200 });
      }
      expect((await new ApiClient(chronicle.url).get(url)).status).toBe(401);
    }
  });
});

describe('Access log durability (a real process killed with SIGKILL)', () => {
  it('a read that was answered is in the access log even when the process dies right after', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-access-crash-'));
    try {
      const server = await startServer('apps/chronicle/src/main.ts', { DATA_DIR: dataDir, API_KEYS, SEGMENTS_SWEEP_INTERVAL_MS: '0', LOYALTY_SWEEP_INTERVAL_MS: '0' });
      try {
        const ingest = new ApiClient(server.url, KEYS.ingest);
        const support = new ApiClient(server.url, KEYS.support);
        const registered = await ingest.post('/v1/customers', { customerId: 'c-crash', profile: { firstName: 'Kim', lastName: 'Crash' } });
        expect(registered.status).toBe(201);
        const reads = await Promise.all(Array.from({ length: 20 }, () => support.get(`/v1/customers/c-crash?minPosition=${registered.body.position}`)));
        expect(reads.map((r) => r.status)).toEqual(reads.map(() => 200));
      } finally {
        expect(await server.kill('SIGKILL')).toBe('SIGKILL');
      }
      const log = new SqliteAccessLog(join(dataDir, 'access-log.sqlite'));
      try {
        const page = await log.query({ customerId: 'c-crash', limit: 100 });
        expect(page.entries.filter((e) => e.action === 'customer360' && e.actor.id === KEY_IDS.support.id)).toHaveLength(20);
      } finally {
        await log.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
