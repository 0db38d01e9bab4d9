// An exclusive claim on a resource (a data folder, a read-model file) for the life of a process.
// The lock is an open EXCLUSIVE transaction on a small SQLite file: the operating system releases
// it when the process ends, however it ends (kill -9 included), so a lock is never stale, and
// SQLite already makes it portable and correct between connections of one process. Who holds it
// is written beside it in a sidecar file, because nobody else can read the locked file itself.
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { isSqliteBusy } from './write-lock';

export interface LockHolder {
  readonly pid: number;
  /** What the holder runs (a Chronicle role, `cli rebuild`, …). */
  readonly role: string;
  /** When it took the lock (ISO 8601). */
  readonly since: string;
  readonly host: string;
}

/** The lock is taken; `holder` is who took it, or null when the sidecar does not say (yet). */
export class ProcessLockHeldError extends Error {
  constructor(
    readonly lockFile: string,
    readonly holder: LockHolder | null,
  ) {
    super(`${lockFile} is locked by ${describeHolder(holder)}`);
    this.name = 'ProcessLockHeldError';
  }
}

export class ProcessLock {
  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
    readonly holder: LockHolder,
  ) {}

  /** Takes the lock without waiting, or throws ProcessLockHeldError naming the holder. */
  static acquire(file: string, claimant: { readonly role: string }): ProcessLock {
    mkdirSync(dirname(file), { recursive: true });
    // Never open the lock file with node:fs in this process: closing any descriptor of a file drops
    // the process's POSIX locks on it. SQLite guards its own connections against that; fs would not.
    const db = new Database(file);
    try {
      db.pragma('busy_timeout = 0');
      // The file is only ever locked, never written: no journal file to leave behind.
      db.pragma('journal_mode = MEMORY');
      db.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      db.close();
      if (isSqliteBusy(error)) throw new ProcessLockHeldError(file, liveHolder(file));
      throw error;
    }
    const holder: LockHolder = { pid: process.pid, role: claimant.role, since: new Date().toISOString(), host: hostname() };
    const sidecar = sidecarOf(file);
    writeFileSync(`${sidecar}.${process.pid}.tmp`, `${JSON.stringify(holder, null, 2)}\n`);
    renameSync(`${sidecar}.${process.pid}.tmp`, sidecar);
    return new ProcessLock(db, file, holder);
  }

  get held(): boolean {
    return this.db.open;
  }

  release(): void {
    if (!this.db.open) return;
    // The sidecar goes first, and only if it is still ours: once the lock is free, the next holder writes its own.
    const recorded = readHolder(this.file);
    if (recorded?.pid === this.holder.pid && recorded.since === this.holder.since) rmSync(sidecarOf(this.file), { force: true });
    this.db.exec('ROLLBACK');
    this.db.close();
  }
}

export function describeHolder(holder: LockHolder | null): string {
  if (!holder) return 'another process (it did not record who it is)';
  return `pid ${holder.pid} (role ${holder.role}, since ${holder.since}, host ${holder.host})`;
}

function sidecarOf(file: string): string {
  return `${file}.holder.json`;
}

function readHolder(file: string): LockHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(sidecarOf(file), 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.role !== 'string' || typeof parsed.since !== 'string') return null;
    return { pid: parsed.pid, role: parsed.role, since: parsed.since, host: typeof parsed.host === 'string' ? parsed.host : 'unknown' };
  } catch {
    return null;
  }
}

/**
 * The recorded holder, unless it is a process of this host that no longer runs: then the sidecar is
 * left over from a holder that died, and the lock was taken by a newcomer that has not written its
 * own yet.
 */
function liveHolder(file: string): LockHolder | null {
  const holder = readHolder(file);
  if (!holder || holder.host !== hostname()) return holder;
  try {
    process.kill(holder.pid, 0);
    return holder;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM' ? holder : null;
  }
}
