// The `chronicle` CLI as a real process (apps/cli/src/main.ts) against a running server: a key made
// by `keys create` works at once, `seed` finds the server from the same HOST/PORT variables (or
// CHRONICLE_URL) and says why when it cannot reach it, and a second seed run is a no-op answered
// with replays.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient } from '../support/api-client';
import { settledHead } from '../support/settled-head';
import { startProcess } from '../support/chronicle-process';
import { freePort } from '../support/free-port';
import { eventually } from '../support/eventually';

jest.setTimeout(300_000);

const CLI = 'apps/cli/src/main.ts';

async function cli(args: readonly string[], env: Record<string, string>): Promise<{ code: number | string; output: string }> {
  const run = startProcess(CLI, args, { HOME: tmpdir(), ...env });
  const code = await run.exited;
  return { code, output: run.lines.join('\n') };
}

describe('the chronicle CLI against a running server', () => {
  let dataDir: string;
  let chronicle: RunningChronicle;
  let keys: Record<string, string>;
  let port: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-cli-'));
    let shown = '';
    // No API_KEYS: the server uses the key file in DATA_DIR, as `npm start` does.
    chronicle = await startChronicle({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' }, { announce: (text) => (shown += text) });
    keys = Object.fromEntries([...shown.matchAll(/CHRONICLE_([A-Z]+)_KEY=(\S+)/g)].map((m) => [m[1]?.toLowerCase() as string, m[2] as string]));
    port = new URL(chronicle.url).port;
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('`keys create` makes a key the running server accepts at once, without a restart', async () => {
    const { code, output } = await cli(['keys', 'create', '--role', 'support', '--label', 'new-agent'], { DATA_DIR: dataDir });
    expect(code).toBe(0);
    // The key alone on stdout (to pipe into a secret store); where it was added, on stderr.
    const [key = '', ...said] = output.trim().split('\n');
    expect(key).toMatch(/^chr_support_\S{40,}$/);
    expect(said).toEqual([`Added to ${join(dataDir, 'api-keys.json')}.`]);
    expect((await new ApiClient(chronicle.url, key).get('/v1/customers/nobody')).status).toBe(404);
    expect((await new ApiClient(chronicle.url, key).post('/v1/interactions/emails/sent', {})).status).toBe(403);
  });

  // Found from outside: README spoke of revoked keys, but the CLI could only create them.
  it('`keys list` shows every key without its secret; `keys revoke` removes one, which the running server refuses at once; the last admin key stays', async () => {
    const made = await cli(['keys', 'create', '--role', 'analyst', '--label', 'leaving-analyst'], { DATA_DIR: dataDir });
    const key = made.output.trim().split('\n')[0] ?? '';
    const analyst = new ApiClient(chronicle.url, key);
    expect((await analyst.get('/v1/analytics/kpis?from=2026-01-01&to=2026-01-02')).status).toBe(200);

    const listed = await cli(['keys', 'list'], { DATA_DIR: dataDir });
    expect(listed.code).toBe(0);
    expect(listed.output).not.toMatch(/chr_|[0-9a-f]{64}/);
    const line = listed.output.split('\n').find((row) => row.endsWith('leaving-analyst')) ?? '';
    expect(line).toMatch(/^[0-9a-f]{12}  analyst /);
    const id = line.slice(0, 12);

    const revoked = await cli(['keys', 'revoke', id], { DATA_DIR: dataDir });
    expect(revoked).toMatchObject({ code: 0, output: expect.stringContaining(`Revoked ${id} (analyst, leaving-analyst)`) });
    await eventually(async () => expect((await analyst.get('/v1/analytics/kpis?from=2026-01-01&to=2026-01-02')).status).toBe(401));
    expect((await cli(['keys', 'list'], { DATA_DIR: dataDir })).output).not.toContain('leaving-analyst');

    expect(await cli(['keys', 'revoke', 'ffffffffffff'], { DATA_DIR: dataDir })).toMatchObject({ code: 1, output: expect.stringContaining('No key with id ffffffffffff') });
    const admin = (await cli(['keys', 'list'], { DATA_DIR: dataDir })).output.split('\n').find((row) => row.includes('  admin ')) ?? '';
    expect(await cli(['keys', 'revoke', admin.slice(0, 12)], { DATA_DIR: dataDir })).toMatchObject({ code: 1, output: expect.stringContaining('is the last admin key') });
    // Still there, still taken.
    expect((await new ApiClient(chronicle.url, keys.admin).get('/v1/audit/access-log?limit=1')).status).toBe(200);
  });

  it('`keys create` refuses a label that is no one line of text, an option given twice and a data folder that is not there; `seed --help` shows no key', async () => {
    const refused = async (args: readonly string[], env: Record<string, string> = { DATA_DIR: dataDir }) => {
      const { code, output } = await cli(args, env);
      return { code, output: output.includes('chr_') ? 'printed a key' : output.split('\n').find((line) => line.includes('error')) ?? output };
    };
    const keyFile = readFileSync(join(dataDir, 'api-keys.json'), 'utf8');
    for (const label of ['bad\nlabel', 'Ada\u202Eecalevol', '\u001b[31mred', '   ', 'x'.repeat(101)]) {
      expect(await refused(['keys', 'create', '--role', 'support', '--label', label])).toEqual({ code: 1, output: expect.stringContaining('--label must') });
    }
    // Commander kept the last: `--role analyst --role admin` made an admin key.
    expect(await refused(['keys', 'create', '--role', 'analyst', '--role', 'admin'])).toEqual({ code: 1, output: expect.stringContaining('--role is given more than once') });
    const missing = join(dataDir, 'no-such-folder');
    expect(await refused(['keys', 'create', '--role', 'admin'], { DATA_DIR: missing })).toEqual({ code: 1, output: expect.stringContaining(`${missing} does not exist`) });
    expect(existsSync(missing)).toBe(false);
    expect(readFileSync(join(dataDir, 'api-keys.json'), 'utf8')).toBe(keyFile);
    // A key given twice is refused without printing either (commander quotes a refused value).
    const twice = await cli(['seed', '--key', 'chr_ingest_SECRETONE', '--key', 'chr_ingest_SECRETTWO', '--customers', '1'], {});
    expect({ code: twice.code, secret: /SECRET/.test(twice.output), said: twice.output.includes('--key is given more than once') }).toEqual({ code: 1, secret: false, said: true });
    // --help printed CHRONICLE_INGEST_KEY as the default of --key.
    const help = await cli(['seed', '--help'], { CHRONICLE_INGEST_KEY: 'chr_ingest_SECRETVALUE123', CHRONICLE_ADMIN_KEY: 'chr_admin_SECRETVALUE456' });
    expect({ code: help.code, secret: /SECRETVALUE/.test(help.output), documented: help.output.includes('CHRONICLE_INGEST_KEY') }).toEqual({ code: 0, secret: false, documented: true });
  });

  it('`seed` finds the server by HOST and PORT (no --url), and a second run changes nothing: every answer a replay', async () => {
    const env = { HOST: '127.0.0.1', PORT: port, CHRONICLE_INGEST_KEY: keys.ingest as string };

    const first = await cli(['seed', '--customers', '12', '--batch-size', '7', '--seed', '5'], env);
    expect(first).toMatchObject({ code: 0 });
    expect(first.output).toMatch(new RegExp(`^Seeded http://127\\.0\\.0\\.1:${port} \\(seed 5, anchor \\S+\\): 12 customers, (\\d+) interactions, (\\d+) ticket commands in`, 'm'));
    const [, interactions, tickets] = /: 12 customers, (\d+) interactions, (\d+) ticket commands/.exec(first.output) as RegExpExecArray;
    expect(Number(interactions)).toBeGreaterThan(12);
    // Reactors follow the seed (loyalty points): compare from the head they have caught up with.
    const afterFirst = await settledHead(chronicle.url);
    const seeded = await new ApiClient(chronicle.url, keys.support).get(`/v1/customers/demo-00012?minPosition=${afterFirst}`);
    expect(seeded.status).toBe(200);

    const second = await cli(['seed', '--customers', '12', '--batch-size', '7', '--seed', '5'], env);
    expect(second).toMatchObject({ code: 0 });
    expect(second.output).toContain(`12 customers (12 already there), ${interactions} interactions (${interactions} already there), ${tickets} ticket commands (${tickets} already there)`);
    expect(await settledHead(chronicle.url)).toBe(afterFirst);

    // Another cut into requests records nothing again either (opens and clicks, which have no id of
    // their own, were recorded once more under the new batches' keys, and then refused their emails' order).
    const recut = await cli(['seed', '--customers', '12', '--batch-size', '3', '--seed', '5'], env);
    expect(recut).toMatchObject({ code: 0 });
    expect(recut.output).toContain(`${interactions} interactions (${interactions} already there)`);
    expect(await settledHead(chronicle.url)).toBe(afterFirst);
  });

  it('`seed` says which address it could not reach and why, and exits 1', async () => {
    // A port nobody listens on (outside the range the system hands out, so no other suite's connection takes it meanwhile).
    const url = `http://127.0.0.1:${await freePort()}`;
    const { code, output } = await cli(['seed', '--customers', '1'], { CHRONICLE_URL: url, CHRONICLE_INGEST_KEY: keys.ingest as string });
    expect(code).toBe(1);
    expect(output).toContain(`Cannot reach Chronicle at ${url} (ECONNREFUSED): is it running there?`);
  });
});
