import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { ProcessLock, ProcessLockHeldError } from './process-lock';

let directory: string;
let file: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'chronicle-process-lock-'));
  file = join(directory, 'locks', 'thing.lock');
});

afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

/** Another process holding the lock the way ProcessLock takes it, until killed. */
async function holdInAnotherProcess(lockFile: string): Promise<ChildProcess> {
  mkdirSync(dirname(lockFile), { recursive: true });
  const script = `
    const Database = require(process.argv[1]);
    const db = new Database(process.argv[2]);
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    setInterval(() => undefined, 60_000);
  `;
  const child = spawn(process.execPath, ['-e', script, require.resolve('better-sqlite3'), lockFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', () => resolve());
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  return child;
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('ProcessLock', () => {
  it('is exclusive, names its holder, and is free again once released', () => {
    const lock = ProcessLock.acquire(file, { role: 'all' });
    try {
      expect(lock.holder).toMatchObject({ pid: process.pid, role: 'all', host: hostname() });
      expect(JSON.parse(readFileSync(`${file}.holder.json`, 'utf8'))).toEqual(lock.holder);

      const refusal: unknown = (() => {
        try {
          return ProcessLock.acquire(file, { role: 'projector' });
        } catch (error) {
          return error;
        }
      })();
      expect(refusal).toBeInstanceOf(ProcessLockHeldError);
      expect((refusal as ProcessLockHeldError).holder).toEqual(lock.holder);
      expect((refusal as Error).message).toContain(`pid ${process.pid} (role all, since ${lock.holder.since}`);
    } finally {
      lock.release();
    }
    expect(lock.held).toBe(false);
    expect(existsSync(`${file}.holder.json`)).toBe(false);
    ProcessLock.acquire(file, { role: 'projector' }).release();
  });

  it('is refused while another process holds it, and free as soon as that process is killed (kill -9 leaves no stale lock)', async () => {
    const other = await holdInAnotherProcess(file);
    try {
      expect(() => ProcessLock.acquire(file, { role: 'all' })).toThrow(ProcessLockHeldError);
    } finally {
      await killed(other);
    }
    const lock = ProcessLock.acquire(file, { role: 'all' });
    expect(lock.held).toBe(true);
    lock.release();
  });

  it('does not name a dead process that a left-over sidecar still names', async () => {
    const other = await holdInAnotherProcess(file);
    try {
      const dead = spawn(process.execPath, ['-e', '']);
      await new Promise((resolve) => dead.once('exit', resolve));
      writeFileSync(`${file}.holder.json`, JSON.stringify({ pid: dead.pid, role: 'all', since: '2026-01-01T00:00:00.000Z', host: hostname() }));
      const refusal = (() => {
        try {
          ProcessLock.acquire(file, { role: 'all' });
          return undefined;
        } catch (error) {
          return error as ProcessLockHeldError;
        }
      })();
      expect(refusal?.holder).toBeNull();
      expect(refusal?.message).toContain('did not record who it is');
    } finally {
      await killed(other);
    }
  });
});
