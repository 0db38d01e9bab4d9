// Privacy by construction, end to end on the embedded default, in a real process with request
// logging on: customers with a unique marker in every personal field, consent that is enforced,
// the subject access export, forgetting one customer, and then the proof from raw bytes: none of
// that customer's markers in any file of the data folder (WAL files included), no marker of anyone
// in the event store or the key store, and none in the process's logs; the other customers and the
// aggregates as they were. Then a restart that finishes a forget a crash interrupted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@app/platform';
import { compareReadModels, describeDifference, openKeyStore, rebuildReadModels, replayRange, REPLAYS_FOLDER, seed, startChronicle, type RunningChronicle } from '@app/composition';
import { SqliteReadStore } from '@app/read-store';
import { CUSTOMER_360_COLLECTION } from '@app/customer-view';
import { LoyaltyBackground } from '@app/loyalty';
import { SegmentsBackground } from '@app/segments';
import { openDecodingEventStore } from '../support/decoding-event-store';
import { ApiClient } from '../support/api-client';
import { eventually } from '../support/eventually';
import { startProcess, startServer, type ChronicleProcess } from '../support/chronicle-process';
import { filesUnder, markersFor, markersFound, rawFiles, recordCustomerWithMarkers, type PersonalMarkers } from '../support/personal-markers';
import { apiKeysSetting } from '../support/api-keys';

jest.setTimeout(300_000);

const KEYS = {
  ingest: 'privacy-ingest-key-0123456789',
  support: 'privacy-support-key-0123456789',
  analyst: 'privacy-analyst-key-0123456789',
  auditor: 'privacy-auditor-key-0123456789',
  admin: 'privacy-admin-key-0123456789',
};
const API_KEYS = apiKeysSetting(KEYS);

const FORGOTTEN = { id: 'p-ada', markers: markersFor('pa', 1) };
const KEPT = { id: 'p-bob', markers: markersFor('pb', 2) };
const WITHDRAWS = { id: 'p-cyd', markers: markersFor('pc', 3) };
const everyone = (...sets: PersonalMarkers[]): PersonalMarkers[] => sets;

type Clients = Record<keyof typeof KEYS, ApiClient>;

function clientsFor(url: string): Clients {
  return Object.fromEntries(Object.entries(KEYS).map(([role, key]) => [role, new ApiClient(url, key)])) as Clients;
}

/** Members of a segment now, by customer id. */
async function membersOf(analyst: ApiClient, segmentId: string): Promise<string[]> {
  const page = await analyst.get(`/v1/segments/${segmentId}/members?limit=1000`);
  expect(page.status).toBe(200);
  return page.body.items.map((item: { customerId: string }) => item.customerId).sort();
}

describe('Personal data, end to end (embedded, one real process, request logs on)', () => {
  let dataDir: string;
  let server: (ChronicleProcess & { url: string }) | undefined;
  let api: Clients;
  let aggregatesBefore: unknown;
  let forgetPosition = 0;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-privacy-e2e-'));
    server = await startServer('apps/chronicle/src/main.ts', {
      DATA_DIR: dataDir, API_KEYS, LOG_LEVEL: 'info', LOG_REQUESTS: 'true', SEGMENTS_SWEEP_INTERVAL_MS: '0', LOYALTY_SWEEP_INTERVAL_MS: '0',
    });
    api = clientsFor(server.url);
    expect((await api.analyst.post('/v1/segments', { segmentId: 'newsletter', name: 'Newsletter, Germany', purpose: 'marketing_email', rule: { field: 'country', op: 'eq', value: 'DE' } })).status).toBe(201);
    expect((await api.analyst.post('/v1/segments', { segmentId: 'germany', name: 'Germany', rule: { field: 'country', op: 'eq', value: 'DE' } })).status).toBe(201);
    for (const customer of [FORGOTTEN, KEPT, WITHDRAWS]) await recordCustomerWithMarkers(api, customer.id, customer.markers);
  });

  afterAll(async () => {
    await server?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds customers by personal fields and answers bad input without echoing it', async () => {
    const { markers } = KEPT;
    for (const query of [`email=${encodeURIComponent(markers.email)}`, `phone=${encodeURIComponent(markers.phone2)}`, `name=${encodeURIComponent(markers.firstName)}`]) {
      const found = await api.support.get(`/v1/customers?${query}`);
      expect({ query, ids: found.body.items.map((hit: { customerId: string }) => hit.customerId) }).toEqual({ query, ids: [KEPT.id] });
    }
    // A 400 names the field, never the value; a 409 on a contact point names its kind, not the address.
    const invalid = await api.ingest.post('/v1/customers', { customerId: 'p-bad', profile: { firstName: markers.firstName, lastName: markers.lastName, email: `${markers.city}-not-an-email` } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.map((error: { field: string }) => error.field)).toEqual(['profile.email']);
    const conflicting = await api.ingest.post(`/v1/customers/${KEPT.id}/contact-points`, { kind: 'email', value: markers.email2, label: 'another label' });
    expect(conflicting.status).toBe(409);
    // A search on a mistyped route: the 404 names the path, not the query.
    const mistyped = await api.support.get(`/v1/customer?email=${markers.email}&name=${markers.lastName}`);
    expect(mistyped.status).toBe(404);
    expect(markersFound(markers, [
      { where: '400', bytes: JSON.stringify(invalid.body) }, { where: '409', bytes: JSON.stringify(conflicting.body) }, { where: '404', bytes: JSON.stringify(mistyped.body) },
    ])).toEqual([]);
  });

  it('keeps a marketing segment to the customers who give that consent; a withdrawal takes them out with the exit event', async () => {
    await eventually(async () => expect(await membersOf(api.analyst, 'newsletter')).toEqual([FORGOTTEN.id, KEPT.id, WITHDRAWS.id].sort()), 60_000);
    const withdrawn = await api.ingest.post(`/v1/customers/${WITHDRAWS.id}/consents`, { purpose: 'marketing_email', granted: false, via: 'unsubscribe-link' });
    expect(withdrawn.status).toBe(200);
    await eventually(async () => expect(await membersOf(api.analyst, 'newsletter')).toEqual([FORGOTTEN.id, KEPT.id].sort()), 60_000);
    expect(await membersOf(api.analyst, 'germany')).toContain(WITHDRAWS.id);
    const exported = await api.auditor.get(`/v1/customers/${WITHDRAWS.id}/export`);
    expect(exported.body.events.filter((e: { type: string }) => e.type === 'CustomerLeftSegment').map((e: { data: unknown }) => e.data)).toEqual([
      expect.objectContaining({ segmentId: 'newsletter', reason: 'activity' }),
    ]);
    expect(exported.body.consents.history.map((c: { purpose: string; granted: boolean }) => `${c.purpose}:${c.granted}`)).toEqual(['profiling:true', 'marketing_email:true', 'marketing_email:false']);
  });

  it('exports everything held about a customer, decrypted, to auditors and admins only', async () => {
    expect((await api.support.get(`/v1/customers/${KEPT.id}/export`)).status).toBe(403);
    const exported = await api.auditor.get(`/v1/customers/${KEPT.id}/export`);
    expect(exported.status).toBe(200);
    const doc = exported.body;
    const { markers } = KEPT;
    expect(doc).toMatchObject({
      customerId: KEPT.id, forgotten: false, dataKey: { state: 'live' },
      profile: { firstName: markers.firstName, lastName: markers.lastName, email: markers.email, phone: markers.phone2, birthDate: markers.birthDate, city: markers.city2, country: 'DE' },
      consents: { current: { profiling: { granted: true }, marketing_email: { granted: true } } },
      segments: { current: ['germany', 'newsletter'] },
      // With the consent the scores are there: RFM at once (the model needs 20 consenting buyers, this run has fewer).
      analytics: { facts: { orders: 1 }, scores: { profilingConsent: true, rfm: expect.objectContaining({ score: expect.any(String) }) } },
    });
    expect(doc.contactPoints.map((p: { value: string }) => p.value)).toEqual([markers.email2, markers.street]);
    expect(doc.tickets).toEqual([expect.objectContaining({ subject: markers.ticketSubject, resolution: null, replies: [expect.objectContaining({ body: markers.replyBody })] })]);
    expect(doc.loyalty.account).toMatchObject({ customerId: KEPT.id });
    // Every marker, decrypted, somewhere in the one document: nothing personal is left out.
    expect(markersFound(markers, [{ where: 'export', bytes: JSON.stringify(doc) }])).toHaveLength(Object.keys(markers).length);
    const types = new Set(doc.events.map((e: { type: string }) => e.type));
    for (const type of ['CustomerRegistered', 'CallLogged', 'EmailClicked', 'PurchaseRefunded', 'TicketReopened', 'PointsRedeemed', 'PointsAdjusted', 'CustomerEnteredSegment']) expect(types).toContain(type);
    expect((await api.admin.get(`/v1/customers/${KEPT.id}/export`)).status).toBe(200);
    expect((await api.auditor.get('/v1/customers/p-nobody/export')).status).toBe(404);
  });

  it('forgets a customer: admin only, a reason required, idempotent; every read model replaces their personal data', async () => {
    aggregatesBefore = await aggregates(api.analyst);
    // Searches that find them before the forget: each leaves an access-log entry tied to them.
    const searches = [
      `email=${encodeURIComponent(FORGOTTEN.markers.email)}`, `phone=${encodeURIComponent(FORGOTTEN.markers.phone2)}`,
      `q=${encodeURIComponent(FORGOTTEN.markers.lastName)}`, `name=${encodeURIComponent(FORGOTTEN.markers.firstName)}&limit=5`,
    ];
    for (const query of searches) {
      const found = await api.support.get(`/v1/customers?${query}`);
      expect({ query, ids: found.body.items.map((hit: { customerId: string }) => hit.customerId) }).toEqual({ query, ids: [FORGOTTEN.id] });
    }
    expect((await api.support.post(`/v1/customers/${FORGOTTEN.id}/forget`, { reason: 'GDPR art. 17, request DPO-1' })).status).toBe(403);
    const noReason = await api.admin.post(`/v1/customers/${FORGOTTEN.id}/forget`, {});
    expect({ status: noReason.status, fields: [...new Set(noReason.body.errors.map((e: { field: string }) => e.field))] }).toEqual({ status: 400, fields: ['reason'] });
    expect((await api.admin.post('/v1/customers/p-nobody/forget', { reason: 'x' })).status).toBe(404);

    // An auditor's replay of the log so far (`chronicle replay`'s default folder): read models of then,
    // the customer's values in clear. Found from outside: it kept them after the forget, for good.
    const replayed = await openDecodingEventStore(dataDir);
    const replay = join(dataDir, REPLAYS_FOLDER, 'customer-lookup-1-head.sqlite');
    try {
      await replayRange(replayed, { from: 1, to: await replayed.headPosition(), projection: 'customer-lookup', target: replay, replace: false, batchSize: 500, currency: 'EUR' }, { tty: false, line: () => undefined });
    } finally {
      await replayed.close();
    }
    expect(markersFound(FORGOTTEN.markers, rawFiles(filesUnder(join(dataDir, REPLAYS_FOLDER)))).length).toBeGreaterThan(0);

    const forgotten = await api.admin.post(`/v1/customers/${FORGOTTEN.id}/forget`, { reason: 'GDPR art. 17, request DPO-1' });
    expect(forgotten.status).toBe(200);
    expect(forgotten.body).toMatchObject({ customerId: FORGOTTEN.id, streamId: `customer-${FORGOTTEN.id}`, replayed: false, changed: true, dataKeyId: expect.any(String) });
    const again = await api.admin.post(`/v1/customers/${FORGOTTEN.id}/forget`, { reason: 'asked twice' });
    expect(again.body).toEqual({ ...forgotten.body, replayed: true });
    forgetPosition = forgotten.body.position;

    const view = await api.support.get(`/v1/customers/${FORGOTTEN.id}?minPosition=${forgetPosition}`);
    expect(view.headers['x-chronicle-consistent']).toBe('true');
    expect(view.body).toMatchObject({
      displayName: '[forgotten]', contactPoints: [], forgottenAt: expect.any(String),
      profile: { firstName: '[forgotten]', lastName: '[forgotten]', email: '[forgotten]', phone: '[forgotten]', birthDate: '[forgotten]', city: '[forgotten]', country: 'DE' },
      purchases: { count: 1 }, calls: { count: 1 }, tickets: { total: 1 },
    });
    // Found from outside: the 360 view and the export still said the profiling consent was given
    // after the forget, while the analytics counted it withdrawn. Withdrawn as of the forget, in both.
    const withdrawnByForget = { granted: false, at: view.body.forgottenAt, via: 'forget' };
    // Every consent, marketing too (found from outside: marketing_email still read given).
    expect(view.body.consents).toEqual({ profiling: withdrawnByForget, marketing_email: withdrawnByForget });
    expect((await api.auditor.get(`/v1/customers/${FORGOTTEN.id}/export`)).body.consents.current).toEqual({ profiling: withdrawnByForget, marketing_email: withdrawnByForget });
    // A withdrawal after the forget is taken and records nothing (it was a 409).
    const lateWithdrawal = await api.ingest.post(`/v1/customers/${FORGOTTEN.id}/consents`, { purpose: 'marketing_email', granted: false, via: 'web' });
    expect(lateWithdrawal.status).toBeLessThan(300);
    expect((await api.analyst.get(`/v1/customers/${FORGOTTEN.id}/analytics`)).body.profilingConsent).toBe(false);
    const { markers } = FORGOTTEN;
    for (const query of [`email=${encodeURIComponent(markers.email)}`, `email=${encodeURIComponent(markers.email2)}`, `phone=${encodeURIComponent(markers.phone2)}`, `name=${encodeURIComponent(markers.lastName)}`, 'externalId=shop-p-ada']) {
      expect({ query, items: (await api.support.get(`/v1/customers?${query}`)).body.items }).toEqual({ query, items: [] });
    }
    // The access log keeps who searched, when and by which kind of term, never the term itself.
    const trail = await api.auditor.get(`/v1/audit/access-log?customerId=${FORGOTTEN.id}&limit=1000`);
    expect(trail.status).toBe(200);
    const searchedBy = trail.body.items.filter((entry: { action: string }) => entry.action === 'customer-search').map((entry: { resource: string }) => entry.resource);
    expect(searchedBy).toEqual(['GET /v1/customers?email=…', 'GET /v1/customers?phone=…', 'GET /v1/customers?q=…', 'GET /v1/customers?name=…&limit=…']);
    const trailBytes = JSON.stringify(trail.body);
    expect(markersFound(markers, [{ where: 'access log', bytes: trailBytes }, { where: 'access log, URL-encoded', bytes: decodeURIComponent(trailBytes) }])).toEqual([]);
    const timeline = await api.support.get(`/v1/customers/${FORGOTTEN.id}/timeline?limit=200`);
    expect(markersFound(markers, [{ where: 'timeline', bytes: JSON.stringify(timeline.body) }])).toEqual([]);
    expect(timeline.body.items.length).toBeGreaterThan(15);

    const exported = await api.auditor.get(`/v1/customers/${FORGOTTEN.id}/export`);
    expect(exported.body).toMatchObject({ forgotten: true, dataKey: { state: 'destroyed', reason: 'GDPR art. 17, request DPO-1' } });
    expect(markersFound(markers, [{ where: 'export', bytes: JSON.stringify(exported.body) }])).toEqual([]);
    expect(exported.body.events.length).toBeGreaterThan(20);

    // Out of every segment, marketing or not; the anonymous figures stand.
    await eventually(async () => expect(await membersOf(api.analyst, 'germany')).not.toContain(FORGOTTEN.id), 60_000);
    expect(await membersOf(api.analyst, 'newsletter')).toEqual([KEPT.id]);
    expect(await aggregates(api.analyst)).toEqual(aggregatesBefore);
  });

  it('records nothing personal about a forgotten customer any more; anonymous facts still count', async () => {
    const patched = await api.ingest.patch(`/v1/customers/${FORGOTTEN.id}`, { changes: { city: 'Anywhere' } });
    expect({ status: patched.status, fields: patched.body.errors.map((e: { field: string }) => e.field) }).toEqual({ status: 409, fields: ['customerId'] });
    const note = await api.support.post('/v1/interactions/notes', { customerId: FORGOTTEN.id, noteId: 'n-after-forget', text: 'They called again', authorId: 'agent-7' });
    expect({ status: note.status, fields: note.body.errors.map((e: { field: string }) => e.field) }).toEqual({ status: 409, fields: ['customerId'] });
    const lines = [{ sku: 'TIE', name: 'Silk tie', category: 'accessories', quantity: 1, unitPriceMinor: 4500 }];
    expect((await api.ingest.post('/v1/interactions/purchases', { customerId: FORGOTTEN.id, orderId: 'o-after-forget', channel: 'web', currency: 'EUR', lines })).status).toBe(201);
  });

  it('leaves none of the forgotten customer\'s markers in any file of the data folder, and no marker of anyone in the event or key store', async () => {
    // The kept customer's data is in the read models in clear: the scan does see what it looks for.
    const files = filesUnder(dataDir);
    const readModels = files.filter((file) => file.includes('read-models.sqlite'));
    expect(markersFound(KEPT.markers, rawFiles(readModels)).length).toBeGreaterThan(10);
    expect(files.map((file) => file.slice(dataDir.length + 1)).sort()).toEqual(expect.arrayContaining(['events.sqlite', 'keys.sqlite', 'master.key', 'read-models.sqlite']));

    expect(markersFound(FORGOTTEN.markers, rawFiles(files))).toEqual([]);
    const stores = files.filter((file) => /events\.sqlite|keys\.sqlite/.test(file));
    for (const markers of everyone(KEPT.markers, WITHDRAWS.markers)) expect(markersFound(markers, rawFiles(stores))).toEqual([]);
  });

  it('wrote no personal value of anyone into its logs', async () => {
    const lines = server?.lines ?? [];
    // Request logging is on: the lines are there to scan (the search above, by email, among them).
    expect(lines.filter((line) => line.includes('"url":"/v1/customers"')).length).toBeGreaterThan(3);
    expect(lines.some((line) => line.includes('"statusCode":409'))).toBe(true);
    const logs = [{ where: 'logs', bytes: lines.join('\n') }];
    for (const markers of everyone(FORGOTTEN.markers, KEPT.markers, WITHDRAWS.markers)) expect(markersFound(markers, logs)).toEqual([]);
  });
});

/** KPI, service and RFM aggregates over the whole period. */
async function aggregates(analyst: ApiClient): Promise<unknown> {
  const kpis = await analyst.get('/v1/analytics/kpis?from=2026-01-01&to=2026-12-31&groupBy=day,channel');
  const service = await analyst.get('/v1/analytics/service?from=2026-01-01&to=2026-12-31&groupBy=channel');
  const rfm = await analyst.get('/v1/analytics/rfm/distribution');
  // Every report names its observation date, the instant of the request by default: not a figure.
  const withoutAsOf = (body: Record<string, unknown>) => Object.fromEntries(Object.entries(body).filter(([key]) => key !== 'asOf'));
  return { kpis: withoutAsOf(kpis.body), service: withoutAsOf(service.body), rfm: withoutAsOf(rfm.body) };
}

describe('A forget a crash interrupted is finished by a restart', () => {
  let dataDir: string;
  let server: (ChronicleProcess & { url: string }) | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-privacy-crash-'));
  });

  afterAll(async () => {
    await server?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('key destroyed, event not yet recorded (the state a crash between the two leaves): the restarted process records it and scrubs', async () => {
    const env = { DATA_DIR: dataDir, API_KEYS, SEGMENTS_SWEEP_INTERVAL_MS: '0', LOYALTY_SWEEP_INTERVAL_MS: '0' };
    server = await startServer('apps/chronicle/src/main.ts', env);
    let api = clientsFor(server.url);
    await recordCustomerWithMarkers(api, FORGOTTEN.id, FORGOTTEN.markers);
    await recordCustomerWithMarkers(api, KEPT.id, KEPT.markers);
    await server.kill('SIGKILL');

    // What step 1 of a forget leaves behind when the process dies right after it.
    const keys = await openKeyStore(loadConfig({ DATA_DIR: dataDir }));
    await keys.destroy(FORGOTTEN.id, { reason: 'GDPR art. 17, request DPO-2', requestedAt: new Date().toISOString(), context: { actor: { type: 'service', id: 'admin-key' } } }, new Date().toISOString());
    await keys.close();

    server = await startServer('apps/chronicle/src/main.ts', env);
    api = clientsFor(server.url);
    const view = await eventually(async () => {
      const current = await api.support.get(`/v1/customers/${FORGOTTEN.id}`);
      expect(current.body.forgottenAt).toEqual(expect.any(String));
      return current.body;
    }, 60_000);
    expect(view.profile.firstName).toBe('[forgotten]');
    const exported = await api.auditor.get(`/v1/customers/${FORGOTTEN.id}/export`);
    expect(exported.body.events.filter((e: { type: string }) => e.type === 'CustomerForgotten')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ reason: 'GDPR art. 17, request DPO-2' }), actor: { type: 'service', id: 'admin-key' } }),
    ]);
    // Asked again, it answers the forget the restart recorded.
    const retried = await api.admin.post(`/v1/customers/${FORGOTTEN.id}/forget`, { reason: 'retry after the outage' });
    expect(retried.body).toMatchObject({ replayed: true, eventIds: [exported.body.events.find((e: { type: string }) => e.type === 'CustomerForgotten').eventId] });
    expect(markersFound(FORGOTTEN.markers, rawFiles(filesUnder(dataDir)))).toEqual([]);
    expect(markersFound(KEPT.markers, rawFiles(filesUnder(dataDir).filter((file) => file.includes('read-models')))).length).toBeGreaterThan(10);
  });
});

describe('Rebuild after a forget gives the read models the live projector holds (embedded)', () => {
  let dataDir: string;
  let rebuildDir: string;
  let chronicle: RunningChronicle | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-privacy-rebuild-'));
    rebuildDir = mkdtempSync(join(tmpdir(), 'chronicle-privacy-rebuilt-'));
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(rebuildDir, { recursive: true, force: true });
  });

  it('rebuilds every collection from the log to the same documents, the forgotten customers\' included', async () => {
    chronicle = await startChronicle({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', API_KEYS, SEGMENTS_SWEEP_INTERVAL_MS: '0', LOYALTY_SWEEP_INTERVAL_MS: '0' });
    const api = clientsFor(chronicle.url);
    expect((await seed({ url: chronicle.url, apiKey: KEYS.ingest, customers: 30, seed: 11, concurrency: 4, progress: false })).failures).toEqual([]);
    expect((await api.analyst.post('/v1/segments', { segmentId: 'newsletter', name: 'Newsletter', purpose: 'marketing_email', rule: { purchases: { count: { gte: 1 }, withinDays: 3650 } } })).status).toBe(201);
    expect((await api.analyst.post('/v1/segments', { segmentId: 'valuable', name: 'Valuable', rule: { rfm: { m: { gte: 3 } } } })).status).toBe(201);
    await recordCustomerWithMarkers(api, FORGOTTEN.id, FORGOTTEN.markers);
    await recordCustomerWithMarkers(api, KEPT.id, KEPT.markers);
    for (const customerId of [FORGOTTEN.id, 'demo-00007']) expect((await api.admin.post(`/v1/customers/${customerId}/forget`, { reason: 'GDPR art. 17' })).status).toBe(200);

    // Settled: projector and both reactors have handled the head, and it did not move meanwhile.
    const app = chronicle.app;
    const reactors = [app.get(LoyaltyBackground).purchaseReactor, app.get(SegmentsBackground).segmentsReactor];
    const progress = async () => {
      const ready = (await api.support.get('/health/ready')).body.details;
      return { head: ready.eventStore.headPosition as number, checkpoint: ready.readStore.projectorCheckpoint as number };
    };
    await eventually(async () => {
      const first = await progress();
      expect(first.checkpoint).toBe(first.head);
      expect(reactors.map((reactor) => reactor?.position)).toEqual([first.head, first.head]);
      expect(await progress()).toEqual(first);
    }, 90_000);
    const settled = await progress();
    await chronicle.close();
    chronicle = undefined;

    const events = await openDecodingEventStore(dataDir);
    const live = new SqliteReadStore(join(dataDir, 'read-models.sqlite'));
    const rebuilt = new SqliteReadStore(join(rebuildDir, 'read-models.sqlite'));
    try {
      expect((await rebuildReadModels(events, rebuilt, { batchSize: 200, currency: 'EUR' })).position).toBe(settled.head);
      const comparison = await compareReadModels(live, rebuilt);
      expect(comparison.differences.map((difference) => describeDifference(difference, { left: 'live', right: 'rebuilt' }))).toEqual([]);
      expect(comparison.compared).toBeGreaterThan(500);
      expect(await rebuilt.get(CUSTOMER_360_COLLECTION, FORGOTTEN.id)).toMatchObject({ displayName: '[forgotten]', forgottenAt: expect.any(String) });
      expect(await rebuilt.get(CUSTOMER_360_COLLECTION, 'demo-00007')).toMatchObject({ displayName: '[forgotten]' });
      expect(await rebuilt.get(CUSTOMER_360_COLLECTION, KEPT.id)).toMatchObject({ displayName: `${KEPT.markers.firstName} ${KEPT.markers.lastName}` });
    } finally {
      await Promise.all([events.close(), live.close(), rebuilt.close()]);
    }
  });
});

describe('Master key rotation and a key-store restore, through the chronicle CLI', () => {
  let dataDir: string;
  let chronicle: RunningChronicle | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-privacy-cli-'));
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const cli = async (args: string[], env: Record<string, string>): Promise<string> => {
    const run = startProcess('apps/cli/src/main.ts', args, { DATA_DIR: dataDir, ...env });
    expect(await run.exited).toBe(0);
    return run.lines.join('\n');
  };

  it('re-wraps every data key with a new master key; a restored key-store backup is forgotten again', async () => {
    const oldKey = (await cli(['master-key', 'generate'], {})).trim();
    const newKey = (await cli(['master-key', 'generate'], {})).trim();
    expect(Buffer.from(newKey, 'base64')).toHaveLength(32);
    const start = async (masterKey: string) => {
      chronicle = await startChronicle({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', API_KEYS, MASTER_KEY: masterKey, SEGMENTS_SWEEP_INTERVAL_MS: '0', LOYALTY_SWEEP_INTERVAL_MS: '0' });
      return clientsFor(chronicle.url);
    };
    const stop = async () => {
      await chronicle?.close();
      chronicle = undefined;
    };

    let api = await start(oldKey);
    await recordCustomerWithMarkers(api, KEPT.id, KEPT.markers);
    await recordCustomerWithMarkers(api, FORGOTTEN.id, FORGOTTEN.markers);
    await stop();

    // Rotation: the new key first (wraps), the old one second (unwraps), re-wrap, then the new one alone.
    expect(await cli(['data-keys', 'rewrap'], { MASTER_KEY: `${newKey},${oldKey}` })).toContain('Re-wrapped 2 data keys');
    api = await start(newKey);
    const exported = await api.auditor.get(`/v1/customers/${KEPT.id}/export`);
    expect(exported.body.profile).toMatchObject({ firstName: KEPT.markers.firstName });
    await stop();

    // A backup of the key store taken now, restored after a forget, would bring the key back...
    const { copyFileSync } = await import('node:fs');
    copyFileSync(join(dataDir, 'keys.sqlite'), join(dataDir, 'keys.backup'));
    api = await start(newKey);
    expect((await api.admin.post(`/v1/customers/${FORGOTTEN.id}/forget`, { reason: 'GDPR art. 17' })).status).toBe(200);
    await stop();
    for (const suffix of ['-wal', '-shm']) rmSync(join(dataDir, `keys.sqlite${suffix}`), { force: true });
    copyFileSync(join(dataDir, 'keys.backup'), join(dataDir, 'keys.sqlite'));
    rmSync(join(dataDir, 'keys.backup'));
    api = await start(newKey);
    expect((await api.auditor.get(`/v1/customers/${FORGOTTEN.id}/export`)).body.dataKey.state).toBe('live');
    await stop();
    // ...until the forgets in the log are applied again.
    expect(await cli(['data-keys', 'reapply-erasures'], { MASTER_KEY: newKey })).toContain('Destroyed the data keys of 1 forgotten customer');
    api = await start(newKey);
    const after = await api.auditor.get(`/v1/customers/${FORGOTTEN.id}/export`);
    expect(after.body).toMatchObject({ forgotten: true, dataKey: { state: 'destroyed' } });
    expect(markersFound(FORGOTTEN.markers, [{ where: 'export', bytes: JSON.stringify(after.body.events) }])).toEqual([]);
  });
});
