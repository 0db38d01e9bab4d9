// Start-up of the real entry point (apps/chronicle/src/main.ts, as a child process): a process that
// cannot run says why in one line per problem, naming the setting and the value given, without a
// stack trace, exits 1, and leaves nothing behind (no key file, no keys shown); one that can run
// writes and shows its first keys only once it listens.
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChronicle } from '@app/composition';
import { ApiClient } from '../support/api-client';
import { startProcess, type ChronicleProcess, type ProcessOptions } from '../support/chronicle-process';

jest.setTimeout(240_000);

const MAIN = 'apps/chronicle/src/main.ts';
/** Root writes anything: as root, a process that must meet unwritable files runs as nobody. */
const UNPRIVILEGED: ProcessOptions = process.getuid?.() === 0 ? { user: { uid: 65534, gid: 65534 } } : {};

/** Runs the server entry point to its end; it must fail. */
async function failedStart(env: Record<string, string>, options: ProcessOptions = {}): Promise<{ code: number | string; output: string[]; process: ChronicleProcess }> {
  const started = startProcess(MAIN, [], { PORT: '0', LOG_LEVEL: 'info', HOME: tmpdir(), ...env }, options);
  const code = await started.exited;
  // Not one line of a stack trace, in plain text or inside a structured log line.
  expect(started.lines.filter((line) => /\bat .*:\d+:\d+\)?(\\n|$)/.test(line))).toEqual([]);
  // The structured logs LOG_LEVEL=info asks for (JSON lines) aside.
  return { code, output: started.lines.filter((line) => line.trim() !== '' && !line.startsWith('{')), process: started };
}

function expectOneLinePerProblem(output: readonly string[], problems: readonly RegExp[]): void {
  expect(output[0]).toBe('Chronicle failed to start:');
  expect(output.slice(1)).toEqual(problems.map((problem) => expect.stringMatching(problem)));
}

describe('Chronicle start-up, as a real process', () => {
  const folders: string[] = [];
  const folder = (name: string) => {
    const dir = mkdtempSync(join(tmpdir(), `chronicle-start-${name}-`));
    folders.push(dir);
    // Reachable by the unprivileged user some tests run as.
    chmodSync(dir, 0o777);
    return dir;
  };
  afterAll(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('reports every bad setting of every loader at once, one line each with the value as given, exit 1, no stack trace', async () => {
    const dataDir = folder('config');
    const { code, output } = await failedStart({
      DATA_DIR: dataDir, PORT: 'abc', LOG_REQUESTS: 'maybe', ANALYTICS_MARGIN: '2', LOYALTY_EXPIRY_MONTHS: 'soon', SEGMENTS_PAGE_SIZE: '0', API_KEYS: 'ingest=short',
    });
    expect(code).toBe(1);
    expectOneLinePerProblem(output, [
      /^ {2}- PORT="abc": /,
      /^ {2}- LOG_REQUESTS="maybe": /,
      /^ {2}- LOYALTY_EXPIRY_MONTHS="soon": /,
      /^ {2}- ANALYTICS_MARGIN="2": ANALYTICS_MARGIN must not be greater than 1$/,
      /^ {2}- SEGMENTS_PAGE_SIZE="0": /,
      /^ {2}- API_KEYS entry 1 \("ingest=…"\) must be role=key/,
    ]);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('fails at once naming DATA_DIR when it cannot be made (under /proc: it used to hang) or is a file', async () => {
    const file = join(folder('file'), 'not-a-folder');
    writeFileSync(file, '');
    const [proc, onFile] = await Promise.all([failedStart({ DATA_DIR: '/proc/chronicle-data' }), failedStart({ DATA_DIR: file })]);
    expect(proc.code).toBe(1);
    expectOneLinePerProblem(proc.output, [/^ {2}- DATA_DIR="\/proc\/chronicle-data": cannot create the folder \/proc\/chronicle-data \(ENOENT/]);
    expect(onFile.code).toBe(1);
    expectOneLinePerProblem(onFile.output, [new RegExp(`^ {2}- DATA_DIR="${file}": ${file} is a file, not a folder$`)]);
  });

  it('refuses an API_KEYS_FILE given that does not exist, naming it, and makes no keys (found from outside: a fresh admin key set was made and printed to the log)', async () => {
    const dataDir = folder('keys');
    const missing = join(dataDir, 'secrets', 'api-keys.json');
    const { code, output } = await failedStart({ DATA_DIR: dataDir, API_KEYS_FILE: missing });
    expect(code).toBe(1);
    expectOneLinePerProblem(output, [new RegExp(`^ {2}- API_KEYS_FILE="${missing}": the file does not exist: make keys into it with \`chronicle keys create --role admin\``)]);
    expect(output.join('\n')).not.toMatch(/chr_admin_|First start/);
    expect(existsSync(missing)).toBe(false);
  });

  it('fails naming MONGO_URL (its password hidden) when MongoDB cannot be reached within MONGO_TIMEOUT_MS (found from outside: "connect ECONNREFUSED" after 30 s, no setting named)', async () => {
    const { code, output } = await failedStart({ DATA_DIR: folder('mongo'), READ_STORE: 'mongodb', MONGO_URL: 'mongodb://chronicle:s3cret@127.0.0.1:1/', MONGO_TIMEOUT_MS: '300' });
    expect(code).toBe(1);
    expect(output[0]).toBe('Chronicle failed to start:');
    expect(output.slice(1).join('\n')).toMatch(/MONGO_URL \(mongodb:\/\/…@127\.0\.0\.1:1\/\): could not connect \(servers are waited for MONGO_TIMEOUT_MS, 300 ms\)/);
    expect(output.join('\n')).not.toContain('s3cret');
  });

  it('refuses a role\'s own entry point started with CHRONICLE_ROLE naming another role, naming it (found from outside: apps/relay with CHRONICLE_ROLE=query-api ran a query API)', async () => {
    const started = startProcess('apps/relay/src/main.ts', [], { PORT: '0', LOG_LEVEL: 'info', HOME: tmpdir(), DATA_DIR: folder('role'), CHRONICLE_ROLE: 'query-api' });
    expect(await started.exited).toBe(1);
    const output = started.lines.filter((line) => line.trim() !== '' && !line.startsWith('{'));
    expectOneLinePerProblem(output, [/^ {2}- CHRONICLE_ROLE="query-api": this entry point \(apps\/relay\) runs the relay role: leave CHRONICLE_ROLE unset, or start apps\/chronicle/]);
  });

  it('refuses a data folder or database files it may not write, instead of a "ready" server whose every write fails', async () => {
    const readOnlyFolder = folder('ro-folder');
    chmodSync(readOnlyFolder, 0o555);
    const folderFailure = await failedStart({ DATA_DIR: readOnlyFolder }, UNPRIVILEGED);
    expect(folderFailure.code).toBe(1);
    expectOneLinePerProblem(folderFailure.output, [new RegExp(`^ {2}- DATA_DIR="${readOnlyFolder}": this process cannot create files in ${readOnlyFolder} \\((EACCES|EPERM)`)]);

    // Files written by an earlier run (as another user), now read-only to this one; the folder itself is writable.
    const dataDir = folder('ro-files');
    const earlier = await startChronicle({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', API_KEYS: 'admin=admin-key-0123456789' });
    await earlier.close();
    for (const name of readdirSync(dataDir)) chmodSync(join(dataDir, name), 0o444);
    const filesFailure = await failedStart({ DATA_DIR: dataDir, API_KEYS: 'admin=admin-key-0123456789' }, UNPRIVILEGED);
    expect(filesFailure.code).toBe(1);
    // The first file it needs to write names the problem: the all-in-one process's claim on the folder (locks/), or a store.
    expectOneLinePerProblem(filesFailure.output, [
      new RegExp(`^ {2}- DATA_DIR="${dataDir}": (${join(dataDir, 'locks', 'embedded\\.lock')} cannot be written by this process \\(|${join(dataDir, '(events|read-models)\\.sqlite')} cannot be written by this process \\(.*readonly)`),
    ]);
  });

  describe('with its port taken', () => {
    let blocker: Server;
    let port: number;
    beforeAll(async () => {
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      port = (blocker.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

    it('fails naming PORT, shows no key and writes no key file; once the port is free it starts, and only then writes and shows its keys', async () => {
      const dataDir = folder('port');
      const env = { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' };
      const { code, output, process: failed } = await failedStart(env);
      expect(code).toBe(1);
      expectOneLinePerProblem(output, [new RegExp(`^ {2}- PORT="${port}": 127\\.0\\.0\\.1:${port} is already in use by another process$`)]);
      // Said once, in that line: no structured error line about it before (found from outside: it read as a crash).
      expect(failed.lines.filter((line) => line.includes('EADDRINUSE'))).toEqual([]);
      expect(existsSync(join(dataDir, 'api-keys.json'))).toBe(false);

      await new Promise<void>((resolve) => blocker.close(() => resolve()));
      const server = startProcess(MAIN, [], { ...env, LOG_LEVEL: 'warn' });
      try {
        await server.waitForLine(/listening on http:/, 120_000);
        const keys = Object.fromEntries(server.lines.flatMap((line) => [...line.matchAll(/CHRONICLE_([A-Z]+)_KEY=(\S+)/g)].map((m) => [m[1]?.toLowerCase(), m[2]])));
        expect(Object.keys(keys).sort()).toEqual(['admin', 'analyst', 'auditor', 'ingest', 'support']);
        expect(existsSync(join(dataDir, 'api-keys.json'))).toBe(true);
        expect((await new ApiClient(`http://127.0.0.1:${port}`, keys.support).get('/v1/customers/nobody')).status).toBe(404);
      } finally {
        await server.kill('SIGTERM');
        blocker = createServer();
        await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      }
    });
  });
});
