// For tests: another process that takes a SQLite file's write lock (BEGIN IMMEDIATE) and keeps it
// until told to commit, answering pings meanwhile, so a test can prove its own event loop ran.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const CHILD = `
const Database = require(process.argv[1]);
const db = new Database(process.argv[2]);
db.pragma('busy_timeout = 0');
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'ping') process.stdout.write('pong\\n');
  if (line === 'commit') {
    db.exec('COMMIT');
    db.close();
    process.stdout.write('committed\\n');
    process.exit(0);
  }
});
`;

export interface WriteLockHolder {
  readonly pid: number;
  /** A round trip through the other process: resolves only if this process's event loop turns. */
  ping(): Promise<void>;
  /**
   * Whether `pending` has settled by the end of two round trips through the other process, which need
   * this event loop to turn: a write waiting synchronously for the lock would have settled first.
   */
  settledAfterRoundTrips(pending: Promise<unknown>): Promise<boolean>;
  /** Commits (releasing the lock) and waits for the other process to end. */
  commit(): Promise<void>;
  /** Ends the other process without committing, if it still runs. */
  kill(): void;
}

export async function holdWriteLock(file: string): Promise<WriteLockHolder> {
  const child = spawn(process.execPath, ['-e', CHILD, require.resolve('better-sqlite3'), file], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiters: { line: string; resolve: () => void; reject: (error: Error) => void }[] = [];
  lines.on('line', (line) => {
    const index = waiters.findIndex((waiter) => waiter.line === line);
    if (index >= 0) waiters.splice(index, 1)[0].resolve();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code) => {
    for (const waiter of waiters.splice(0)) waiter.reject(new Error(`the lock holder exited (${code}) before answering ${waiter.line}`));
  });
  const awaitLine = (line: string) => new Promise<void>((resolve, reject) => waiters.push({ line, resolve, reject }));
  await awaitLine('locked');
  const ping = () => {
    const pong = awaitLine('pong');
    child.stdin.write('ping\n');
    return pong;
  };
  return {
    pid: child.pid as number,
    ping,
    settledAfterRoundTrips: async (pending) => {
      let settled = false;
      pending.then(
        () => (settled = true),
        () => (settled = true),
      );
      await ping();
      await ping();
      return settled;
    },
    commit: async () => {
      const committed = awaitLine('committed');
      child.stdin.write('commit\n');
      await committed;
      await exited;
    },
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
