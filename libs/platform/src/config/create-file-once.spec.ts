// Files made on first start in a folder several processes share: whole or not at all, one winner.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from './chronicle-config';
import { createFileOnce } from './create-file-once';
import { StartupError } from './env-config';
import { loadSessionSecret } from '../auth/sessions';

// Every write goes through, with a look at the disk just before it (see the third case).
const beforeWrite: { look?: () => void } = {};
jest.mock('node:fs', () => {
  const actual = jest.requireActual<typeof import('node:fs')>('node:fs');
  return {
    ...actual,
    writeFileSync: (...args: Parameters<typeof actual.writeFileSync>) => {
      beforeWrite.look?.();
      return actual.writeFileSync(...args);
    },
  };
});

const run = promisify(execFile);
const ROOT = resolve(__dirname, '..', '..', '..', '..');

describe('createFileOnce', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'chronicle-once-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the file with all of its text, readable by its owner only, and leaves nothing else behind', () => {
    const path = join(dir, 'secret');
    expect(createFileOnce(path, 'all of it\n')).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('all of it\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['secret']);
  });

  it('leaves a file that is there alone and says so', () => {
    const path = join(dir, 'secret');
    writeFileSync(path, 'first\n');
    expect(createFileOnce(path, 'second\n')).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('first\n');
    expect(readdirSync(dir)).toEqual(['secret']);
  });

  it('never lets the path exist while its text is being written (a process starting at once would read it empty)', () => {
    const path = join(dir, 'secret');
    const seen: boolean[] = [];
    beforeWrite.look = () => seen.push(existsSync(path));
    createFileOnce(path, 'x'.repeat(64));
    beforeWrite.look = undefined;
    expect(seen).toEqual([false]);
    expect(readFileSync(path, 'utf8')).toBe('x'.repeat(64));
  });

  it('processes starting at once on one fresh folder all get the same session secret, made by exactly one of them', async () => {
    const folders = Array.from({ length: 12 }, (_, i) => join(dir, `data-${i}`));
    const script = `
      const { loadConfig } = require('./libs/platform/src/config/chronicle-config');
      const { loadSessionSecret } = require('./libs/platform/src/auth/sessions');
      const out = JSON.parse(process.argv[1]).map((DATA_DIR) => loadSessionSecret(loadConfig({ DATA_DIR })).toString('hex'));
      process.stdout.write(JSON.stringify(out));
    `;
    const processes = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', '-e', script, JSON.stringify(folders)], { cwd: ROOT }),
      ),
    );
    const answers = processes.map(({ stdout }) => JSON.parse(stdout) as string[]);
    folders.forEach((folder, i) => {
      const kept = readFileSync(join(folder, 'session-secret'), 'utf8').trim();
      expect(kept).toMatch(/^[0-9a-f]{64}$/);
      expect(answers.map((answer) => answer[i])).toEqual(answers.map(() => kept));
      expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    });
  }, 120_000);
});

describe('loadSessionSecret from DATA_DIR', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'chronicle-secret-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses, naming the file, a kept secret too short to sign with (what a start cut short could leave)', () => {
    writeFileSync(join(dir, 'session-secret'), '');
    const load = () => loadSessionSecret(loadConfig({ DATA_DIR: dir }));
    expect(load).toThrow(StartupError);
    expect(load).toThrow(`${join(dir, 'session-secret')} holds no valid secret (0 bytes of hex, 32 needed): remove the file`);
  });

  it('reads back the secret it made on the first start', () => {
    const first = loadSessionSecret(loadConfig({ DATA_DIR: dir }));
    expect(first).toHaveLength(32);
    expect(loadSessionSecret(loadConfig({ DATA_DIR: dir }))).toEqual(first);
  });
});
