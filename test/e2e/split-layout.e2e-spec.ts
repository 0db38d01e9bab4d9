// The production layout end to end (issue 15): the split roles as separate processes — a command API,
// a query API, a worker (relay + reactors + sweeps) and two projectors in one Kafka consumer group — on
// the SQLite event store of one data folder, a fresh Kafka topic and a fresh FerretDB database as the
// read store, behind the shipped nginx route map as the single entry point. Through the gateway: the
// embedded scenario, a segment whose membership changes, loyalty points that expire and the support
// console's main path; each process is killed (SIGKILL) once and started again while writes go on.
// The restarted processes resume with no lost or duplicated effect, and the read models end equal,
// document for document, to a clean rebuild from the event store.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { addMonths } from '@app/loyalty';
import { loadConfig } from '@app/platform';
import { GenerationalReadStore } from '@app/read-store';
import { MongoReadStore } from '@app/read-store/mongodb';
import { MasterKeyRing } from '@app/key-store';
import { compareReadModels, describeDifference, openEventStore, openKeyStore, rebuildReadModels } from '@app/composition';
import { ApiClient, type ApiResponse } from '../support/api-client';
import { buildApps, removeBuiltApps, startServer, type ChronicleProcess } from '../support/chronicle-process';
import { customerStory } from '../support/customer-story';
import { eventually } from '../support/eventually';
import { deleteTopic } from '../engines/kafka-support/kafka-engine';
import { freePort, NGINX, startGateway, type Gateway } from '../support/gateway';
import { suiteWithoutEngine } from '../support/missing-engine';
import { settledAcross } from '../support/settled-head';
import { apiKeysSetting } from '../support/api-keys';

jest.setTimeout(600_000);

const KEYS = {
  ingest: 'split-ingest-key-0123456789',
  support: 'split-support-key-0123456789',
  analyst: 'split-analyst-key-0123456789',
};
const RUN = `s${Date.now().toString(36)}${process.pid}`;
const ENGINES = { kafka: process.env.KAFKA_BROKERS, mongo: process.env.MONGO_URL };

type Role = 'command-api' | 'query-api' | 'worker' | 'projector-a' | 'projector-b';
const ENTRY: Record<Role, string> = {
  'command-api': 'apps/command-api/src/main.ts',
  'query-api': 'apps/query-api/src/main.ts',
  worker: 'apps/worker/src/main.ts',
  'projector-a': 'apps/projector/src/main.ts',
  'projector-b': 'apps/projector/src/main.ts',
};
type Server = ChronicleProcess & { url: string };
type PipelineStatus = { state: string; lag?: { events: number } };

const SUITE = 'The split layout as separate processes behind the gateway (SQLite event store + Kafka + FerretDB)';
const missing = !NGINX
  ? { what: 'nginx is not installed', provide: 'bash deploy/gateway/install-nginx.sh' }
  : !ENGINES.kafka || !ENGINES.mongo ? { what: 'KAFKA_BROKERS and MONGO_URL are not set', provide: 'npm run engines:up' } : undefined;

if (missing) suiteWithoutEngine(SUITE, missing.what, missing.provide);
else describe(SUITE, () => {
  let dir: string;
  let env: Record<string, string>;
  const ports = {} as Record<Role, number>;
  const servers = new Map<Role, Server>();
  let gateway: Gateway;
  let ingest: ApiClient;
  let support: ApiClient;
  let analyst: ApiClient;

  const start = async (role: Role): Promise<Server> => {
    // Each role on a fixed port: the gateway's upstreams stay right across a restart. The projectors
    // use no SQLite file: each gets a folder of its own, so nothing they need comes from the shared one.
    const dataDir = role.startsWith('projector') ? join(dir, role) : join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const server = await startServer(ENTRY[role], { ...env, DATA_DIR: dataDir, PORT: String(ports[role]) });
    servers.set(role, server);
    return server;
  };
  const server = (role: Role): Server => servers.get(role) as Server;
  const pipelines = async (role: Role): Promise<Record<string, PipelineStatus>> => {
    const ready = await new ApiClient(server(role).url).get('/health/ready');
    return (ready.body.details ?? ready.body.info ?? ready.body.error ?? {}).pipelines ?? {};
  };
  /** Both projectors are members of the one consumer group, and between them they hold every partition. */
  const bothProjectorsConsume = async (): Promise<void> => {
    const kafka = new Kafka({ clientId: 'split-layout-group-check', brokers: [env.KAFKA_BROKERS as string], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await eventually(async () => {
        const [group] = (await admin.describeGroups([env.KAFKA_GROUP as string])).groups;
        const assignments = (group?.members ?? []).map((member) => AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[env.KAFKA_TOPIC as string] ?? []);
        expect({ state: group?.state, members: assignments.filter((partitions) => partitions.length > 0).length }).toEqual({ state: 'Stable', members: 2 });
        expect(assignments.flat().sort()).toEqual([0, 1, 2, 3]);
      }, 90_000);
    } finally {
      await admin.disconnect();
    }
  };
  /** Kills the role's process with SIGKILL (no shutdown code runs) and checks it died of it. */
  const kill = async (role: Role): Promise<void> => {
    expect(await server(role).kill('SIGKILL')).toBe('SIGKILL');
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chronicle-split-'));
    mkdirSync(join(dir, 'data'));
    mkdirSync(join(dir, 'gateway'));
    // Five processes (and restarts): compiled once, each starts in about a second.
    buildApps();
    env = {
      DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'warn',
      API_KEYS: apiKeysSetting(KEYS),
      // One secret on every process that serves the API: a session cookie from the command API is good on the query API.
      SESSION_SECRET: 'split-layout-session-secret-0123456789-abcdef',
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: ENGINES.kafka as string,
      KAFKA_TOPIC: `split-${RUN}`,
      KAFKA_GROUP: `split-${RUN}`,
      KAFKA_PARTITIONS: '4',
      READ_STORE: 'mongodb',
      MONGO_URL: ENGINES.mongo as string,
      MONGO_DB: `split_${RUN}`,
      // Data keys in FerretDB as in the compose file, wrapped by one master key every process is given.
      KEY_STORE: 'mongodb',
      KEY_STORE_MONGO_DB: `split_${RUN}_keys`,
      MASTER_KEY: MasterKeyRing.generate(),
      READ_WAIT_TIMEOUT_MS: '20000',
      // A killed worker's leases (relay, reactors, sweeps) pass to its successor within 2 s.
      LEASE_TTL_MS: '2000',
      // A killed projector's partitions pass to the other within 10 s (the default 30 s only makes the run longer).
      KAFKA_SESSION_TIMEOUT_MS: '10000',
      // The expiry sweep runs on the system clock every second: points whose expiry comes during the run expire then.
      LOYALTY_SWEEP_INTERVAL_MS: '1000',
    };
    for (const role of Object.keys(ENTRY) as Role[]) ports[role] = await freePort();
    // The worker before the projectors: its relay makes the topic they consume.
    for (const role of ['command-api', 'worker', 'query-api', 'projector-a', 'projector-b'] as Role[]) await start(role);
    gateway = await startGateway(join(dir, 'gateway'), { commandApi: server('command-api').url, queryApi: server('query-api').url });
    ingest = new ApiClient(gateway.url, KEYS.ingest);
    support = new ApiClient(gateway.url, KEYS.support);
    analyst = new ApiClient(gateway.url, KEYS.analyst);
    for (const role of ['projector-a', 'projector-b'] as Role[]) {
      await eventually(async () => expect((await pipelines(role))['kafka-projector']?.state).toBe('running'), 60_000);
    }
    await bothProjectorsConsume();
  });

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([...servers.values()].map((s) => s.kill('SIGKILL')));
    removeBuiltApps();
    if (dir) rmSync(dir, { recursive: true, force: true });
    // The shared engines keep nothing of this run: its databases and topics go.
    if (!env) return;
    const mongo = new MongoClient(env.MONGO_URL as string);
    try {
      for (const db of [env.MONGO_DB, env.KEY_STORE_MONGO_DB, `${env.MONGO_DB}_clean`]) await mongo.db(db as string).dropDatabase().catch(() => undefined);
    } finally {
      await mongo.close();
    }
    const kafka = new Kafka({ clientId: 'split-layout-cleanup', brokers: [env.KAFKA_BROKERS as string], logLevel: logLevel.NOTHING });
    for (const topic of [env.KAFKA_TOPIC as string, `${env.KAFKA_TOPIC}.dead-letter`]) await deleteTopic(kafka, topic).catch(() => undefined);
  });

  // Points earned 24 months (the programme's expiry) before an instant a minute after the start: the
  // worker's expiry sweep, on the system clock, expires them while the run goes on (no clock is
  // injected into a separate process; the business time of the purchase sets the expiry instead).
  const expiring = { customerId: 'c-expiring', orderId: 'o-expiring', points: 42, expiresAt: '' };

  it('runs the embedded scenario through the single entry point', async () => {
    await customerStory({ ingest, support }, 'c-ada');
    const timeline = await support.get('/v1/customers/c-ada/timeline?limit=10');
    expect(timeline.status).toBe(200);
    expect(timeline.body.items.map((row: { type: string }) => row.type)).toEqual([
      'TicketResolved', 'TicketReplied', 'TicketOpened', 'PurchaseCompleted', 'CallLogged', 'CustomerRegistered',
    ]);
    expect((await support.get('/v1/customers?email=ada@exa')).body.items.map((c: { customerId: string }) => c.customerId)).toEqual(['c-ada']);

    let expiresAt = new Date(Date.now() + 60_000).toISOString();
    let earnedAt = addMonths(expiresAt, -24);
    // Month arithmetic clamps at a month's end: move on a day where it would not come back to the same instant.
    while (addMonths(earnedAt, 24) !== expiresAt) {
      expiresAt = new Date(Date.parse(expiresAt) + 86_400_000).toISOString();
      earnedAt = addMonths(expiresAt, -24);
    }
    expect((await ingest.post('/v1/customers', { customerId: expiring.customerId, profile: { firstName: 'Ex', lastName: 'Piring' } })).status).toBe(201);
    const bought = await ingest.post('/v1/interactions/purchases', {
      customerId: expiring.customerId, orderId: expiring.orderId, channel: 'web', currency: 'EUR', occurredAt: earnedAt,
      lines: [{ sku: 'TEA', name: 'Tea', category: 'tea', quantity: 1, unitPriceMinor: expiring.points * 100 }],
    });
    expect(bought.status).toBe(201);
    expiring.expiresAt = expiresAt;
    // Earned first (the points count until their expiry comes), by the worker's reactor.
    await eventually(async () => {
      const account = await support.get(`/v1/customers/${expiring.customerId}/loyalty?minPosition=${bought.body.position}`);
      expect(account.body).toMatchObject({ balance: expiring.points, expired: 0, nextExpiry: { points: expiring.points, at: expiresAt } });
    }, 45_000);
  });

  it('keeps a segment\'s membership current as customers buy and the rule changes', async () => {
    const segmentsOf = async (customerId: string) => (await support.get(`/v1/customers/${customerId}/segments`)).body.segments?.map((s: { segmentId: string }) => s.segmentId);
    const rule = (count: number) => ({ purchases: { count: { gte: count }, withinDays: 3650 } });
    expect((await analyst.post('/v1/segments/preview', { rule: rule(2) })).body).toEqual({ count: 0, sample: [] });
    expect((await analyst.post('/v1/segments', { segmentId: 'repeat-buyers', name: 'Repeat buyers', rule: rule(2) })).status).toBe(201);
    await eventually(async () => expect((await analyst.get('/v1/segments/repeat-buyers')).body).toMatchObject({ status: 'active', memberCount: 0 }), 30_000);

    // A second order: the worker's reactor puts the customer in.
    const second = await ingest.post('/v1/interactions/purchases', {
      customerId: 'c-ada', orderId: 'o-2', channel: 'store', currency: 'EUR', occurredAt: '2026-11-25T10:00:00Z',
      lines: [{ sku: 'GLOVES', name: 'Gloves', category: 'accessories', quantity: 1, unitPriceMinor: 2500 }],
    });
    expect(second.status).toBe(201);
    await eventually(async () => expect(await segmentsOf('c-ada')).toEqual(['repeat-buyers']), 30_000);
    expect((await analyst.get('/v1/segments/repeat-buyers/members')).body.items.map((m: { customerId: string }) => m.customerId)).toEqual(['c-ada']);

    // A stricter rule takes the customer out again.
    expect((await analyst.raw('PUT', '/v1/segments/repeat-buyers/rule', JSON.stringify({ rule: rule(3) }), { 'Content-Type': 'application/json' })).status).toBe(200);
    await eventually(async () => expect(await segmentsOf('c-ada')).toEqual([]), 30_000);
    await eventually(async () => expect((await analyst.get('/v1/segments/repeat-buyers')).body).toMatchObject({ memberCount: 0 }), 30_000);
  });

  it('serves the console\'s main path: sign in, the work queue, a reply sent with the CSRF token', async () => {
    const signedIn = await support.raw('POST', '/v1/session', undefined);
    expect(signedIn.status).toBe(201);
    const cookie = (signedIn.headers['set-cookie'] ?? '').split(';')[0] as string;
    expect(cookie).toMatch(/^chronicle_session=./);
    const csrf = signedIn.body.session.csrfToken as string;
    const agentId = signedIn.body.id as string;
    // The browser sends the cookie, not the key: one client for queries, one for changes with the token.
    const browser = new ApiClient(gateway.url);
    const read = (path: string) => browser.get(path, { Cookie: cookie });
    const write = (path: string, body: unknown, token: string | null = csrf) => browser.post(path, body, { Cookie: cookie, ...(token !== null ? { 'X-CSRF-Token': token } : {}) });

    // The cookie the command API set is good on the query API (one secret).
    expect((await read('/v1/me')).body).toMatchObject({ id: agentId, via: 'session', session: { csrfToken: csrf } });
    expect((await write('/v1/tickets', { customerId: 'c-ada', ticketId: 't-console', subject: 'Gloves too small', channel: 'chat', priority: 'normal' })).status).toBe(201);
    const assigned = await write('/v1/tickets/t-console/assign', { agentId });
    expect(assigned.status).toBe(200);
    const queue = await read(`/v1/tickets?assignee=me&status=open&minPosition=${assigned.body.position}`);
    expect(queue.status).toBe(200);
    expect(queue.body.items.map((t: { ticketId: string }) => t.ticketId)).toEqual(['t-console']);

    const reply = { author: 'agent', authorId: agentId, body: 'A larger pair is on its way.' };
    expect((await write('/v1/tickets/t-console/replies', reply, null)).body).toMatchObject({ status: 403, code: 'CSRF_TOKEN' });
    const replied = await write('/v1/tickets/t-console/replies', reply);
    expect(replied.status).toBe(201);
    const ticket = await read(`/v1/tickets/t-console?minPosition=${replied.body.position}`);
    expect(ticket.status).toBe(200);
    expect(ticket.body).toMatchObject({ ticketId: 't-console', assigneeId: agentId, replyCount: 1 });
  });

  it('survives a SIGKILL of every process, each started again while writes go on, with no lost or repeated effect', async () => {
    let next = 0;
    const noteIds: string[] = [];
    const note = async (): Promise<ApiResponse> => {
      const noteId = `n-${next++}`;
      noteIds.push(noteId);
      return ingest.post('/v1/interactions/notes', { customerId: 'c-ada', noteId, text: `note ${noteId}`, authorId: 'agent-7' }, { 'Idempotency-Key': `split-${noteId}` });
    };
    const notes = async (count: number): Promise<number> => {
      let position = 0;
      for (let i = 0; i < count; i++) {
        const answer = await note();
        expect(answer.status).toBe(201);
        position = answer.body.position;
      }
      return position;
    };
    const seen = async (position: number) => {
      const view = await support.get(`/v1/customers/c-ada?minPosition=${position}`);
      expect(view.status).toBe(200);
      expect(view.headers['x-chronicle-consistent']).toBe('true');
    };

    /**
     * Kills the role while a client writes notes one after another (`total` of them): the kill comes
     * once `killAfter` are answered, so the pipelines are mid-stream; more are answered while it is
     * down (`whileDown` runs then too); it starts again and must be `ready`; the writer finishes.
     */
    const killWhileWriting = async (role: Role, ready: () => Promise<void>, whileDown: () => Promise<void> = async () => undefined): Promise<void> => {
      const total = 30;
      let answered = 0;
      let failed: unknown;
      const writer = (async () => {
        for (let i = 0; i < total; i++) {
          const answer = await note();
          expect(answer.status).toBe(201);
          answered++;
        }
      })().catch((error: unknown) => {
        failed = error;
      });
      // A writer that failed is reported as it is (and at once after the last retry), not as a wait that timed out.
      const progressed = (count: number) => eventually(async () => {
        if (failed) throw failed;
        expect(answered).toBeGreaterThanOrEqual(count);
      }, 60_000);
      await progressed(5);
      await kill(role);
      await whileDown();
      await progressed(15);
      await start(role);
      await ready();
      await writer;
      if (failed) throw failed;
    };
    const projecting = (role: Role) => () => eventually(async () => expect((await pipelines(role))['kafka-projector']?.state).toBe('running'), 60_000);

    // Each projector in turn, mid-stream: the other goes on; the restarted one rejoins the group and
    // takes up from the committed offsets (a batch applied but not committed comes again and is skipped).
    await killWhileWriting('projector-a', projecting('projector-a'));
    await seen(await notes(2));
    await killWhileWriting('projector-b', projecting('projector-b'));
    await seen(await notes(2));

    // The worker, mid-stream: commands go on while no relay runs; an order placed meanwhile earns its points once after the restart.
    let order: ApiResponse | undefined;
    await killWhileWriting('worker', async () => {
      await eventually(async () => {
        const now = await pipelines('worker');
        expect([now['kafka-relay']?.state, now['loyalty-reactor']?.state, now['segments-reactor']?.state]).toEqual(['running', 'running', 'running']);
      }, 60_000);
    }, async () => {
      order = await ingest.post('/v1/interactions/purchases', {
        customerId: 'c-ada', orderId: 'o-during-worker-kill', channel: 'web', currency: 'EUR',
        lines: [{ sku: 'MUG', name: 'Mug', category: 'kitchen', quantity: 1, unitPriceMinor: 1200 }],
      });
      expect(order.status).toBe(201);
    });
    await seen(order?.body.position);
    await seen(await notes(2));

    // The query API: reads fail at the gateway while it is down, writes do not.
    await killWhileWriting('query-api', async () => seen(await notes(1)), async () => {
      expect((await support.get('/v1/customers/c-ada')).status).toBe(502);
    });

    // The command API dies with requests in flight: a client sends again with the same Idempotency-Key
    // and gets the first result where the first attempt was recorded, a new one where it was not.
    let finished = 0;
    const burst = Array.from({ length: 40 }, () => note().finally(() => finished++));
    // A few answered before the kill, so some retries below are replays of recorded attempts.
    await eventually(async () => expect(finished).toBeGreaterThanOrEqual(3), 60_000);
    await kill('command-api');
    const firstAttempts = await Promise.allSettled(burst);
    const answered = firstAttempts.map((attempt) => (attempt.status === 'fulfilled' && attempt.value.status === 201 ? attempt.value : undefined));
    await start('command-api');
    const burstIds = noteIds.slice(-40);
    await Promise.all(burstIds.map(async (noteId, i) => {
      // A request the killed process was running keeps its key until its claim's lease lapses (30 s):
      // until then a retry is told to come back later (409, in progress), never run twice.
      const retry = await eventually(async () => {
        const answer = await ingest.post('/v1/interactions/notes', { customerId: 'c-ada', noteId, text: `note ${noteId}`, authorId: 'agent-7' }, { 'Idempotency-Key': `split-${noteId}` });
        if (answer.status === 409 && answer.body.code === 'IDEMPOTENCY_IN_PROGRESS' && answer.headers['retry-after'] === '1') throw new Error(`${noteId}: still in progress`);
        return answer;
      }, 120_000);
      expect({ noteId, status: retry.status }).toEqual({ noteId, status: 201 });
      const first = answered[i];
      if (first) expect(retry.body).toEqual({ ...first.body, replayed: true });
    }));
    await seen(await notes(4));

    // Every note the clients were told about is in the event store once, and nothing else.
    const config = loadConfig(env);
    const keys = await openKeyStore(config);
    const events = await openEventStore(config, keys);
    try {
      const recorded = (await events.readAll({ after: 0 })).filter((event) => event.type === 'NoteAdded').map((event) => (event.data as { noteId: string }).noteId);
      expect(recorded.sort()).toEqual([...noteIds].sort());
      const earned = (await events.readStream('loyalty-c-ada')).filter((event) => event.type === 'PointsEarned').map((event) => (event.data as { orderId: string }).orderId);
      expect(earned.sort()).toEqual(['o-1', 'o-2', 'o-during-worker-kill']);
    } finally {
      await events.close();
      await keys.close();
    }
  });

  it('expires loyalty points on time through the worker\'s sweep', async () => {
    const account = await eventually(async () => {
      const answer = await support.get(`/v1/customers/${expiring.customerId}/loyalty`);
      expect(answer.body).toMatchObject({ balance: 0, lifetimeEarned: expiring.points });
      return answer.body;
    }, 120_000);
    expect(account.expired).toBe(expiring.points);
    const history = await support.get(`/v1/customers/${expiring.customerId}/loyalty/history?limit=10`);
    expect(history.body.items.filter((row: { type: string }) => row.type === 'PointsExpired').map((row: { points: number }) => row.points)).toEqual([-expiring.points]);
    // Expired by the sweep once the instant came, as of the sweep's now, exactly once (the worker was killed meanwhile).
    const config = loadConfig(env);
    const keys = await openKeyStore(config);
    const events = await openEventStore(config, keys);
    try {
      const expired = (await events.readStream(`loyalty-${expiring.customerId}`)).filter((event) => event.type === 'PointsExpired');
      expect(expired).toHaveLength(1);
      expect(expired[0]?.metadata.actor).toMatchObject({ type: 'system', id: 'loyalty-expiry-sweep' });
      expect(expired[0]?.metadata.occurredAt >= expiring.expiresAt).toBe(true);
    } finally {
      await events.close();
      await keys.close();
    }
  });

  it('ends with read models equal, document for document, to a clean rebuild from the event store', async () => {
    // The restarted projectors are back in the group, sharing the partitions again.
    await bothProjectorsConsume();
    await settledAcross([...servers.values()].map((s) => s.url), 120_000);
    const config = loadConfig(env);
    const keys = await openKeyStore(config);
    const events = await openEventStore(config, keys);
    const live = await GenerationalReadStore.live(await MongoReadStore.connect(config.MONGO_URL as string, config.MONGO_DB));
    const cleanDb = `${config.MONGO_DB}_clean`;
    const clean = await MongoReadStore.connect(config.MONGO_URL as string, cleanDb);
    try {
      const rebuilt = await rebuildReadModels(events, clean, { currency: config.REPORTING_CURRENCY });
      expect(rebuilt.position).toBe(await events.headPosition());
      const comparison = await compareReadModels(clean, live);
      expect(comparison.differences.map((d) => describeDifference(d, { left: 'clean rebuild', right: 'live' }))).toEqual([]);
      expect(comparison.compared).toBeGreaterThan(100);
    } finally {
      await events.close();
      await keys.close();
      await live.close();
      await clean.close();
    }
  });
});
