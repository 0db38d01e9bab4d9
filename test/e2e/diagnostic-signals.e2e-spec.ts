// An operator asks a running server for Node's diagnostic report with SIGUSR2 (the default signal of
// --report-on-signal; heap snapshots use it too): the process writes the report and keeps serving.
// Before the fix Nest's shutdown hooks listened to every signal it knows, and SIGUSR2 shut the
// server down (the process ended once everything had closed).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../support/api-client';
import { startServer, type ChronicleProcess } from '../support/chronicle-process';
import { eventually } from '../support/eventually';

jest.setTimeout(120_000);

const KEY = 'signals-support-key-0123456789';

describe('diagnostic signals', () => {
  let dataDir: string;
  let reports: string;
  let server: (ChronicleProcess & { url: string }) | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-signals-'));
    reports = mkdtempSync(join(tmpdir(), 'chronicle-reports-'));
  });

  afterAll(async () => {
    await server?.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(reports, { recursive: true, force: true });
  });

  it('stops on SIGTERM, SIGINT and SIGHUP and leaves the other signals to Node: SIGUSR2 writes the report and the server keeps serving', async () => {
    server = await startServer('apps/chronicle/src/main.ts', {
      DATA_DIR: dataDir,
      API_KEYS: `support=${KEY}`,
      NODE_OPTIONS: `--report-on-signal --report-directory=${reports} --require ${join(__dirname, '..', 'support', 'signal-listeners-preload.js')}`,
    });
    const client = new ApiClient(server.url, KEY);
    expect((await client.get('/health/live')).status).toBe(200);
    // The application stops on SIGTERM, SIGINT and SIGHUP, and leaves every other signal to Node.
    server.child.kill('SIGWINCH');
    const listeners = await server.waitForLine(/^signal listeners added: /);
    expect(listeners).toMatch(/SIGTERM=[1-9].* SIGINT=[1-9].* SIGHUP=[1-9].* SIGUSR1=0 SIGUSR2=0 SIGQUIT=0$/);

    server.child.kill('SIGUSR2');
    const reportsWritten = () => readdirSync(reports).filter((name) => name.endsWith('.json'));
    await eventually(async () => expect(reportsWritten()).toHaveLength(1), 30_000);
    expect((await client.get('/health/live')).status).toBe(200);

    server.child.kill('SIGTERM');
    expect([0, 'SIGTERM']).toContain(await server.exited);
  });
});
