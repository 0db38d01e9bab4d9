// Several real processes on one data folder (embedded SQLite): what may share it (command-api
// replicas beside a projector and a query API), what is refused at start (a second all-in-one
// process), that a kill -9 leaves no stale lock, that a held write lock never freezes a server, and
// that a server answers while its projector catches up a backlog.
// Ordering is asserted on observed events (which answer came first), never on durations.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deterministicEventId, type NewEvent } from '@app/event-sourcing';
import { EVENT_STORE, SqliteEventStore, type EventStore } from '@app/event-store';
import { startChronicle } from '@app/composition';
import { holdWriteLock, type WriteLockHolder } from '@app/sqlite/testing/write-lock-holder';
import { ApiClient, type ApiResponse } from '../support/api-client';
import { buildApps, removeBuiltApps, startProcess, startServer, type ChronicleProcess } from '../support/chronicle-process';
import { eventually } from '../support/eventually';
import { openSse } from '../support/sse-client';

jest.setTimeout(180_000);

const KEY = 'test-admin-key-0123456789';
const API_KEYS = `admin=${KEY}`;

const directories: string[] = [];
const children: ChronicleProcess[] = [];
let holder: WriteLockHolder | undefined;

function dataDir(): string {
  const directory = mkdtempSync(join(tmpdir(), 'chronicle-shared-'));
  directories.push(directory);
  return directory;
}

type Role = 'chronicle' | 'command-api' | 'query-api' | 'projector';

/** A server of that role, once it listens. */
async function server(role: Role, env: Record<string, string>): Promise<ChronicleProcess & { url: string }> {
  const started = startServer(`apps/${role}/src/main.ts`, env);
  // Killed after the test even if it never came to listen.
  void started.then((child) => children.push(child), () => undefined);
  return started;
}

/** A process of that role expected to stop by itself (refused at start). */
function refusedProcess(role: Role, env: Record<string, string>): ChronicleProcess {
  const child = startProcess(`apps/${role}/src/main.ts`, [], { PORT: '0', LOG_LEVEL: 'warn', ...env });
  children.push(child);
  return child;
}

beforeAll(() => {
  // Up to four processes at once: compiled, they start in about a second each.
  buildApps();
});

afterEach(async () => {
  holder?.kill();
  holder = undefined;
  await Promise.all(children.splice(0).map((child) => child.kill('SIGKILL')));
});

afterAll(() => {
  removeBuiltApps();
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

const register = (api: ApiClient, customerId: string): Promise<ApiResponse> =>
  api.post('/v1/customers', { customerId, profile: { firstName: 'Ada', lastName: customerId, email: `${customerId}@example.test` } });

describe('a second all-in-one process on one data folder', () => {
  it('is refused at start with a message naming the folder, the holder and what to do; a kill -9 of the holder leaves no stale lock', async () => {
    const dir = dataDir();
    const first = await server('chronicle', { DATA_DIR: dir, API_KEYS });

    const second = refusedProcess('chronicle', { DATA_DIR: dir, API_KEYS });
    expect(await second.exited).toBe(1);
    const output = second.lines.join('\n');
    expect(output).not.toContain('listening on');
    expect(output).toContain(`the data folder ${dir} is in use by another all-in-one Chronicle process: pid ${first.child.pid} (role all, since `);
    expect(output).toContain('One embedded process (CHRONICLE_ROLE=all) per data folder');
    expect(output).toContain('deploy/README.md');

    await first.kill('SIGKILL');
    const third = await server('chronicle', { DATA_DIR: dir, API_KEYS });
    const api = new ApiClient(third.url, KEY);
    expect((await register(api, 'after-kill')).status).toBe(201);
    await third.kill('SIGTERM');
  });
});

describe('split roles on one data folder', () => {
  it('two command-api processes both accept commands; the projector and a query API beside them see all of it', async () => {
    const dir = dataDir();
    const env = { DATA_DIR: dir, API_KEYS, READ_WAIT_TIMEOUT_MS: '20000' };
    // The query API as README advises it for this layout: its reads' access-log entries committed on its event loop.
    const [commandsA, commandsB, , queries] = await Promise.all([server('command-api', env), server('command-api', env), server('projector', env), server('query-api', { ...env, ACCESS_LOG_COMMITS: 'inline' })]);
    const apis = [new ApiClient(commandsA.url, KEY), new ApiClient(commandsB.url, KEY)];

    // Both at once, so their write transactions contend for the file's lock.
    const ids = Array.from({ length: 60 }, (_, i) => `split-${i}`);
    const answers = await Promise.all(ids.map((id, i) => register(apis[i % 2], id)));
    expect(answers.map((answer) => answer.status)).toEqual(ids.map(() => 201));
    const positions = answers.map((answer) => answer.body.position as number);
    expect(new Set(positions).size).toBe(ids.length);

    const query = new ApiClient(queries.url, KEY);
    const last = ids[positions.indexOf(Math.max(...positions))];
    const view = await query.get(`/v1/customers/${last}?minPosition=${Math.max(...positions)}`);
    expect(view.status).toBe(200);
    expect(view.headers['x-chronicle-consistent']).toBe('true');
    for (const id of ids) expect((await query.get(`/v1/customers/${id}`)).status).toBe(200);
    // Every read was recorded before it was answered.
    const access = await query.get(`/v1/audit/access-log?customerId=${ids[7]}&limit=10`);
    expect(access.status).toBe(200);
    expect((access.body.items as { action: string }[]).map((item) => item.action)).toEqual(['customer360']);

    const log = new SqliteEventStore(join(dir, 'events.sqlite'));
    try {
      const registered = (await log.readAll()).filter((event) => event.type === 'CustomerRegistered');
      expect(registered.map((event) => event.streamId).sort()).toEqual(ids.map((id) => `customer-${id}`).sort());
    } finally {
      await log.close();
    }
  });
});

describe('live streams on a query API (the projector in another process)', () => {
  // Without the projector in its process the streams poll the read models: a client reconnecting with
  // Last-Event-ID hears of every ticket changed since (more than one page of them), each once at its
  // latest position, and the customer's 360 view moved past it; then what changes afterwards.
  it('resume with Last-Event-ID: every ticket changed since, once, at its latest position; the 360 view\'s position; then live changes', async () => {
    const dir = dataDir();
    const env = { DATA_DIR: dir, API_KEYS, READ_WAIT_TIMEOUT_MS: '20000' };
    const [commands, , queries] = await Promise.all([server('command-api', env), server('projector', env), server('query-api', env)]);
    const api = new ApiClient(commands.url, KEY);
    const query = new ApiClient(queries.url, KEY);
    const position = async (answer: Promise<ApiResponse>): Promise<number> => {
      const { status, body } = await answer;
      expect([200, 201]).toContain(status);
      return body.position as number;
    };
    const registered = await position(register(api, 'c-poll'));
    const tickets = Array.from({ length: 501 }, (_, n) => `tp-${n}`);
    const opened: number[] = [];
    for (let n = 0; n < tickets.length; n += 16) {
      opened.push(...(await Promise.all(tickets.slice(n, n + 16).map((ticketId) =>
        position(api.post('/v1/tickets', { customerId: 'c-poll', ticketId, subject: `Question ${ticketId}`, channel: 'email', priority: 'normal' })),
      ))));
    }
    const replied = await position(api.post('/v1/tickets/tp-0/replies', { author: 'agent', body: 'On it' }));
    expect((await query.get(`/v1/tickets/tp-0?minPosition=${replied}`)).status).toBe(200);
    const latest = new Map(tickets.map((ticketId, n) => [ticketId, opened[n]]));
    latest.set('tp-0', replied);

    const headers = { Authorization: `Bearer ${KEY}` };
    const ticketStream = await openSse(`${queries.url}/v1/live/tickets`, { ...headers, 'Last-Event-ID': String(registered) });
    const customerStream = await openSse(`${queries.url}/v1/customers/c-poll/live`, { ...headers, 'Last-Event-ID': String(registered) });
    try {
      expect([ticketStream.status, customerStream.status]).toEqual([200, 200]);
      await ticketStream.next((m) => m.event === 'changed' && m.lastEventId === String(Math.max(...latest.values())));
      await customerStream.next((m) => m.event === 'applied' && m.lastEventId === String(replied));
      const after = await position(api.post('/v1/tickets/tp-1/replies', { author: 'customer', body: 'Thanks' }));
      await ticketStream.next((m) => m.event === 'changed' && m.lastEventId === String(after));
      await customerStream.next((m) => m.event === 'applied' && m.lastEventId === String(after));

      const changes = ticketStream.messages.filter((m) => m.event === 'changed').map((m) => JSON.parse(m.data) as { ticketId: string; position: number });
      const expected = [...latest, ['tp-1', after] as const].sort((a, b) => a[1] - b[1]);
      expect(changes.map((change) => [change.ticketId, change.position])).toEqual(expected.map(([ticketId, at]) => [ticketId, at]));
      expect(customerStream.messages.filter((m) => m.event === 'applied').map((m) => JSON.parse(m.data) as unknown)).toEqual([
        { customerId: 'c-poll', position: replied },
        { customerId: 'c-poll', position: after },
      ]);
    } finally {
      ticketStream.close();
      customerStream.close();
    }
  });
});

describe('a command while another process holds the event store write lock', () => {
  it('waits without freezing the server (health answers first) and is recorded once the lock is released', async () => {
    const dir = dataDir();
    const chronicle = await startChronicle({ CHRONICLE_ROLE: 'command-api', DATA_DIR: dir, PORT: '0', API_KEYS, LOG_LEVEL: 'silent', SQLITE_WRITE_LOCK_BUDGET_MS: '120000' });
    try {
      const api = new ApiClient(chronicle.url, KEY);
      expect((await register(api, 'before')).status).toBe(201);
      // Observe the command reaching the store, so health is asked only once its append is waiting.
      const store = chronicle.app.get<EventStore>(EVENT_STORE);
      const append = store.append.bind(store);
      let appendCalled!: () => void;
      const appending = new Promise<void>((resolve) => (appendCalled = resolve));
      jest.spyOn(store, 'append').mockImplementation((...args) => {
        const result = append(...args);
        appendCalled();
        return result;
      });
      holder = await holdWriteLock(join(dir, 'events.sqlite'));

      let commandAnswered = false;
      const command = register(api, 'waiting').finally(() => (commandAnswered = true));
      await appending;
      // The store tries the lock on the next turn of the event loop; this turn comes after it.
      await new Promise((resolve) => setImmediate(resolve));
      expect((await api.get('/health/live')).status).toBe(200);
      await holder.ping();
      expect(commandAnswered).toBe(false);

      await holder.commit();
      holder = undefined;
      expect((await command).status).toBe(201);
    } finally {
      await chronicle.close();
    }
  });

  it('answers 503 with Retry-After once the wait reaches the budget; the same command later succeeds', async () => {
    const dir = dataDir();
    const chronicle = await startChronicle({ CHRONICLE_ROLE: 'command-api', DATA_DIR: dir, PORT: '0', API_KEYS, LOG_LEVEL: 'silent', SQLITE_WRITE_LOCK_BUDGET_MS: '50' });
    try {
      const api = new ApiClient(chronicle.url, KEY);
      expect((await register(api, 'before')).status).toBe(201);
      holder = await holdWriteLock(join(dir, 'events.sqlite'));

      const busy = await register(api, 'busy');
      expect(busy.status).toBe(503);
      expect(busy.headers['retry-after']).toBe('1');
      expect(busy.headers['content-type']).toContain('application/problem+json');
      expect(busy.body).toMatchObject({ status: 503, code: 'STORE_BUSY' });

      await holder.commit();
      holder = undefined;
      expect((await register(api, 'busy')).status).toBe(201);
    } finally {
      await chronicle.close();
    }
  });
});

describe('catch-up of a backlog', () => {
  it('answers /health/live before the projector has caught up', async () => {
    const dir = dataDir();
    const customers = 1_000;
    const events = 20_000;
    await writeBacklog(join(dir, 'events.sqlite'), customers, events);

    const chronicle = await server('chronicle', { DATA_DIR: dir, API_KEYS, SEGMENTS_SWEEP_INTERVAL_MS: '0', LOYALTY_SWEEP_INTERVAL_MS: '0' });
    const api = new ApiClient(chronicle.url, KEY);
    expect((await api.get('/health/live')).status).toBe(200);
    // Asked after /health/live was answered: the projector had not caught up when it was.
    const progress = (await api.get('/health/ready')).body.details;
    expect(progress.eventStore.headPosition).toBe(events);
    expect(progress.readStore.projectorCheckpoint ?? 0).toBeLessThan(events);
    // A 360 read is answered during catch-up too.
    expect([200, 404]).toContain((await api.get('/v1/customers/backlog-c1')).status);

    await eventually(async () => expect((await api.get('/health/ready')).body.details.readStore.projectorCheckpoint).toBe(events), 120_000);
    expect((await api.get(`/v1/customers/backlog-c1`)).status).toBe(200);
    await chronicle.kill('SIGTERM');
  });
});

/** `events` events over `customers` customers: registrations, then calls and notes, in group commits. */
async function writeBacklog(file: string, customers: number, events: number): Promise<void> {
  const store = new SqliteEventStore(file);
  const envelope = (customerId: string, key: string, type: string, data: unknown): NewEvent => ({
    eventId: deterministicEventId('backlog', key),
    type,
    data,
    metadata: {
      customerId, schemaVersion: 1, occurredAt: new Date(Date.UTC(2025, 0, 1) + events * 1000).toISOString(),
      actor: { type: 'service', id: 'test' }, source: 'test', correlationId: key, causationId: null,
    },
  });
  try {
    const appends: Promise<unknown>[] = [];
    for (let n = 0; n < events; n++) {
      const c = n < customers ? n : n % customers;
      const customerId = `backlog-c${c}`;
      if (n < customers) {
        appends.push(store.append(`customer-${customerId}`, [envelope(customerId, `reg-${c}`, 'CustomerRegistered', {
          customerId, profile: { firstName: 'Ada', lastName: `Backlog${c}`, email: `c${c}@example.test` },
        })], { expectedRevision: 'no_stream' }));
      } else if (n % 3 === 0) {
        appends.push(store.append(`note-n${n}`, [envelope(customerId, `note-${n}`, 'NoteAdded', { customerId, noteId: `n${n}`, text: 'Prefers email', authorId: 'agent-1' })], { expectedRevision: 'no_stream' }));
      } else {
        appends.push(store.append(`call-k${n}`, [envelope(customerId, `call-${n}`, 'CallLogged', { customerId, callId: `k${n}`, direction: 'inbound', durationSeconds: 60 + (n % 600), outcome: 'resolved', agentId: 'agent-2' })], { expectedRevision: 'no_stream' }));
      }
      if (appends.length === 2_000) await Promise.all(appends.splice(0));
    }
    await Promise.all(appends);
  } finally {
    await store.close();
  }
}
