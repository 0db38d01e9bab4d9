// WAL checkpoints off the event loop. SQLite copies the WAL back into the database file (and
// fsyncs both) inside whichever COMMIT crosses the auto-checkpoint threshold, on the committing
// thread: during a catch-up that was half of the read store's write time and the longest stalls of
// the event loop. Here one worker thread per process, with its own connection to each file, runs
// PASSIVE checkpoints (they never block readers or writers) every 100 ms; the stores' own
// connections keep only a far threshold as a backstop, should the worker fall behind or die.
import type Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import { PAGE_CACHE_KIB } from './shared-file';

/** WAL pages after which a store's own connection checkpoints on the event loop after all (~40 MB). */
export const BACKSTOP_AUTOCHECKPOINT_PAGES = 10_000;
const INTERVAL_MS = 100;
/** An idle worker (no file to watch) ends after this long; a store opened meanwhile keeps it. */
const IDLE_MS = 1_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const files = new Map();
parentPort.on('message', (message) => {
  if (message.kind === 'watch') {
    try {
      const db = new Database(message.file, { fileMustExist: true });
      db.pragma('cache_size = -' + workerData.pageCacheKib);
      db.pragma('busy_timeout = 0');
      files.set(message.id, db);
    } catch {
      // The store's own backstop threshold still checkpoints this file.
    }
  } else if (message.kind === 'forget') {
    const db = files.get(message.id);
    files.delete(message.id);
    try { db?.close(); } catch {}
    parentPort.postMessage({ kind: 'forgotten', id: message.id });
  }
});
setInterval(() => {
  for (const db of files.values()) {
    // Busy (another checkpoint of the same file is running) or failed: the next tick tries again.
    try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
  }
}, workerData.intervalMs);
`;

let worker: Worker | undefined;
let watched = 0;
let nextId = 0;
let idleTimer: NodeJS.Timeout | undefined;
const forgetting = new Map<number, () => void>();

export interface BackgroundCheckpoints {
  /** Stops checkpointing the file (before the store closes its own connection). */
  stop(): Promise<void>;
}

/** Checkpoints `db`'s file (a WAL database) in the background until stopped. */
export function checkpointInBackground(db: Database.Database, file: string): BackgroundCheckpoints {
  // An in-memory database has no WAL, nor a file another connection could open.
  if (db.memory || db.pragma('journal_mode', { simple: true }) !== 'wal') return { stop: async () => undefined };
  db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
  const thread = running();
  const id = ++nextId;
  watched += 1;
  thread.postMessage({ kind: 'watch', id, file });
  let stopped: Promise<void> | undefined;
  return {
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        forgetting.set(id, resolve);
        // Awaited by a store's close(): the answer must arrive even if nothing else keeps the process alive.
        thread.ref();
        thread.postMessage({ kind: 'forget', id });
      }).then(() => {
        if (forgetting.size === 0) thread.unref();
        watched -= 1;
        if (watched === 0) endWhenIdle();
      })),
  };
}

/**
 * For a connection whose file another connection of this process checkpoints in the background:
 * only the far backstop threshold, no worker of its own.
 */
export function noBackgroundCheckpoints(db: Database.Database): BackgroundCheckpoints {
  if (!db.memory) db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
  return { stop: async () => undefined };
}

function running(): Worker {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  if (worker) return worker;
  // `role` names the thread for whoever lists a process's threads (test/support/thread-packages-preload.js).
  const thread = new Worker(WORKER_SOURCE, { eval: true, workerData: { role: 'wal-checkpoints', driver: require.resolve('better-sqlite3'), intervalMs: INTERVAL_MS, pageCacheKib: PAGE_CACHE_KIB } });
  thread.on('message', (message: { kind: string; id: number }) => {
    if (message.kind !== 'forgotten') return;
    forgetting.get(message.id)?.();
    forgetting.delete(message.id);
  });
  // A failed worker leaves the stores on their backstop threshold; nobody waits for it.
  thread.on('error', () => undefined);
  thread.once('exit', () => {
    if (worker === thread) worker = undefined;
    for (const resolve of forgetting.values()) resolve();
    forgetting.clear();
  });
  // Checkpoints never keep a process alive: at exit, the last connection to close checkpoints anyway.
  // (After the listeners: adding a 'message' listener refs the worker's port again.)
  thread.unref();
  worker = thread;
  return thread;
}

function endWhenIdle(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    idleTimer = undefined;
    if (watched > 0 || !worker) return;
    // Forgotten at once: a store opened while it ends gets a new worker, not this one.
    const ending = worker;
    worker = undefined;
    void ending.terminate();
  }, IDLE_MS);
  idleTimer.unref();
}
