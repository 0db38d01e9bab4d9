// Console sessions in the split layout (issue 14): a command-api and a query-api as separate real
// processes on one data folder, given one session secret by SESSION_SECRET_FILE. A cookie opened on
// one works on the other; signed out on one, it is refused by the other too (within the documented
// SESSION_REVOCATION_CACHE_MS), not only by the process that handled the sign-out. And a process told
// the secret two ways, or none where processes share no data folder, refuses to start and says why.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, removeBuiltApps, startProcess, startServer, type ChronicleProcess } from '../support/chronicle-process';
import { eventually } from '../support/eventually';

jest.setTimeout(180_000);

const SUPPORT_KEY = 'sessions-support-key-0123456789';
const CACHE_MS = 1000;

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: { detail?: string; session?: { csrfToken: string }; via?: string } | undefined;
}

const call = async (base: string, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> => {
  const response = await fetch(base + path, { method, headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
};

const directories: string[] = [];
const children: ChronicleProcess[] = [];

function folder(): string {
  const directory = mkdtempSync(join(tmpdir(), 'chronicle-sessions-'));
  directories.push(directory);
  return directory;
}

beforeAll(() => {
  buildApps();
});

afterAll(async () => {
  await Promise.all(children.splice(0).map((child) => child.kill('SIGKILL')));
  removeBuiltApps();
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

describe('console sessions across API processes', () => {
  it('refuses, with 401 on every process, a cookie signed out on one of them', async () => {
    const dir = folder();
    const secretFile = join(dir, 'session-secret');
    writeFileSync(secretFile, 'a-shared-session-secret-0123456789abcdef\n', { mode: 0o600 });
    const env = { DATA_DIR: join(dir, 'data'), API_KEYS: `support=${SUPPORT_KEY}`, SESSION_SECRET_FILE: secretFile, SESSION_REVOCATION_CACHE_MS: String(CACHE_MS) };
    const commandApi = await startServer('apps/command-api/src/main.ts', { ...env, CHRONICLE_ROLE: 'command-api' });
    children.push(commandApi);
    const queryApi = await startServer('apps/query-api/src/main.ts', { ...env, CHRONICLE_ROLE: 'query-api' });
    children.push(queryApi);

    const signedIn = await call(queryApi.url, 'POST', '/v1/session', { Authorization: `Bearer ${SUPPORT_KEY}` });
    expect(signedIn.status).toBe(201);
    const cookie = (signedIn.headers.getSetCookie().find((c) => c.startsWith('chronicle_session=')) as string).split(';')[0] as string;
    const csrf = signedIn.body?.session?.csrfToken as string;
    // One sign-in serves both processes (the same secret), and each has now seen the session live.
    for (const api of [queryApi, commandApi]) expect(await call(api.url, 'GET', '/v1/me', { Cookie: cookie })).toMatchObject({ status: 200, body: { via: 'session' } });

    // Through the gateway a DELETE goes to the command API.
    expect((await call(commandApi.url, 'DELETE', '/v1/session', { Cookie: cookie, 'X-CSRF-Token': csrf })).status).toBe(204);
    const here = await call(commandApi.url, 'GET', '/v1/me', { Cookie: cookie });
    expect({ status: here.status, detail: here.body?.detail }).toEqual({ status: 401, detail: expect.stringContaining('signed out') });
    // The other process learns it from the shared record once its cache time has passed.
    await eventually(async () => {
      const there = await call(queryApi.url, 'GET', '/v1/me', { Cookie: cookie });
      expect({ status: there.status, detail: there.body?.detail }).toEqual({ status: 401, detail: expect.stringContaining('signed out') });
    }, CACHE_MS + 10_000);

    // Only that session ended: signing in again works on both.
    const again = await call(commandApi.url, 'POST', '/v1/session', { Authorization: `Bearer ${SUPPORT_KEY}` });
    const fresh = (again.headers.getSetCookie().find((c) => c.startsWith('chronicle_session=')) as string).split(';')[0] as string;
    for (const api of [queryApi, commandApi]) expect((await call(api.url, 'GET', '/v1/me', { Cookie: fresh })).status).toBe(200);
  });
});

describe('the session secret at start-up', () => {
  /** Runs an entry point to its end; it must fail in one line per problem, without a stack trace. */
  async function refusal(role: string, env: Record<string, string>): Promise<string[]> {
    const started = startProcess(`apps/${role}/src/main.ts`, [], { PORT: '0', LOG_LEVEL: 'warn', API_KEYS: `support=${SUPPORT_KEY}`, ...env });
    children.push(started);
    expect(await started.exited).toBe(1);
    expect(started.lines.filter((line) => /\bat .*:\d+:\d+\)?(\\n|$)/.test(line))).toEqual([]);
    expect(started.lines.join('\n')).not.toContain('listening on');
    const output = started.lines.filter((line) => line.trim() !== '' && !line.startsWith('{'));
    expect(output[0]).toBe('Chronicle failed to start:');
    return output.slice(1);
  }

  it('refuses SESSION_SECRET and SESSION_SECRET_FILE together, an unreadable or short file, and neither on EventStoreDB', async () => {
    const dir = folder();
    const good = join(dir, 'good');
    const short = join(dir, 'short');
    writeFileSync(good, 'a-shared-session-secret-0123456789abcdef\n');
    writeFileSync(short, 'too-short\n');
    const [both, missing, tooShort, neither] = await Promise.all([
      refusal('query-api', { DATA_DIR: join(dir, 'a'), SESSION_SECRET: 'a-shared-session-secret-0123456789abcdef', SESSION_SECRET_FILE: good }),
      refusal('query-api', { DATA_DIR: join(dir, 'b'), SESSION_SECRET_FILE: join(dir, 'absent') }),
      refusal('command-api', { DATA_DIR: join(dir, 'c'), SESSION_SECRET_FILE: short }),
      refusal('query-api', { DATA_DIR: join(dir, 'd'), EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'esdb://127.0.0.1:1?tls=false', READ_STORE: 'sqlite' }),
    ]);
    expect(both).toEqual([expect.stringMatching(/^ {2}- SESSION_SECRET and SESSION_SECRET_FILE are both set: give the session secret one way only/)]);
    expect(missing).toEqual([expect.stringMatching(new RegExp(`^ {2}- SESSION_SECRET_FILE="${join(dir, 'absent')}": the file cannot be read \\(ENOENT`))]);
    expect(tooShort).toEqual([expect.stringMatching(new RegExp(`^ {2}- SESSION_SECRET_FILE="${short}": the file holds 9 characters: give at least 32`))]);
    expect(neither).toEqual([expect.stringMatching(/^ {2}- SESSION_SECRET_FILE \(or SESSION_SECRET\) is required when CHRONICLE_ROLE=query-api and EVENT_STORE=eventstoredb/)]);
    // The secret's value is never shown.
    expect(both.join('\n')).not.toContain('a-shared-session-secret');
  });
});
