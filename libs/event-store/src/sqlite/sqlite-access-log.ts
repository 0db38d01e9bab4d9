// The embedded AccessLog: a SQLite file of its own (`access-log.sqlite` beside `events.sqlite`), so
// recording a read never waits for the event store's write lock. Append-only by the file's own
// triggers; group commit: every entry recorded in one tick (or while the previous commit ran) shares
// one transaction and one fsync, committed by a write thread of the file's own, so the commit of every
// read's entry no longer runs on the event loop (18% of a 360 read's HTTP-thread CPU), or, where the
// loop serves nothing but reads (a query-api process), inline, so a read answers a turn sooner. Query
// APIs in several processes share the file: a write waits for another's lock, within the budget.
import type Database from 'better-sqlite3';
import { DEFAULT_WRITE_LOCK_BUDGET_MS, openSharedSqliteFile, SqliteWriteThread, WriteLockBusyError, writeTransaction } from '@app/sqlite';
import { checkAccessQueryInstants, type AccessEntry, type AccessLog, type AccessPage, type AccessQuery, type RecordedAccess } from '../access-log.port';
import { InvalidInstantError, isInstant } from '@app/event-sourcing';
import { accessResource } from '../access-resource';
import { EventStoreBusyError } from '../event-store.port';

export interface SqliteAccessLogOptions {
  /** NORMAL (default): durable across process crashes; FULL: also across power loss. */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** How long a write may wait, in total, for another process's write lock before it is refused (default 5 s). */
  readonly writeLockBudgetMs?: number;
  /**
   * Where a group of entries is committed: `thread` (default; a write thread of the file's own, the
   * event loop only posts the group and later takes the reply) or `inline` (on the caller's event loop,
   * in the turn after the entries were recorded: the reads waiting on them answer a turn sooner, and
   * the loop pays the commit's CPU). `inline` needs synchronous NORMAL: at FULL each commit waits
   * for the disk, which must not stop the event loop.
   */
  readonly commits?: 'thread' | 'inline';
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS access_log (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  at             TEXT NOT NULL,
  actor_id       TEXT NOT NULL,
  actor_name     TEXT,
  actor_role     TEXT,
  on_behalf_of   TEXT,
  action         TEXT NOT NULL,
  customer_id    TEXT,
  resource       TEXT NOT NULL,
  correlation_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS access_by_customer ON access_log (customer_id, id);
CREATE INDEX IF NOT EXISTS access_by_actor_id ON access_log (actor_id, id);
CREATE INDEX IF NOT EXISTS access_by_actor_name ON access_log (actor_name, id);
CREATE TRIGGER IF NOT EXISTS access_log_no_update BEFORE UPDATE ON access_log BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS access_log_no_delete BEFORE DELETE ON access_log BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
`;

/** `user_version` from which no entry's resource holds a query value. */
const WITHOUT_QUERY_VALUES = 1;

/**
 * Entries written before resources left query values out kept a search's email, phone or name in
 * clear, beyond any forget. Rewritten once, in the opening transaction: only the query values go (the
 * parameter names, who, whose, what and when stay), the update guard is lifted and put back inside
 * that transaction, so no other connection ever sees the table without it. The file is not hash-chained;
 * its only evidence is that rows are never changed, and this one documented change removes data.
 * Answers whether any entry changed.
 */
function scrubQueryValues(db: Database.Database): boolean {
  if ((db.pragma('user_version', { simple: true }) as number) >= WITHOUT_QUERY_VALUES) return false;
  // Freed bytes are zeroed, so the old values do not linger in the file's free space.
  db.pragma('secure_delete = ON');
  db.function('chronicle_access_resource', { deterministic: true }, (resource: unknown) => {
    const text = String(resource);
    const space = text.indexOf(' ');
    return space === -1 ? text : accessResource(text.slice(0, space), text.slice(space + 1));
  });
  db.exec('DROP TRIGGER IF EXISTS access_log_no_update');
  const { changes } = db.prepare("UPDATE access_log SET resource = chronicle_access_resource(resource) WHERE instr(resource, '?') > 0").run();
  db.exec(SCHEMA);
  db.pragma(`user_version = ${WITHOUT_QUERY_VALUES}`);
  db.pragma('secure_delete = OFF');
  return changes > 0;
}

interface Row {
  id: number;
  at: string;
  actor_id: string;
  actor_name: string | null;
  actor_role: string | null;
  on_behalf_of: string | null;
  action: string;
  customer_id: string | null;
  resource: string;
  correlation_id: string;
}

interface Pending {
  readonly entry: AccessEntry;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const INSERT_ENTRY = 'INSERT INTO access_log (at, actor_id, actor_name, actor_role, on_behalf_of, action, customer_id, resource, correlation_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';

export class SqliteAccessLog implements AccessLog {
  private readonly db: Database.Database;
  /** Commits the entries off the event loop (the caller's connection keeps the queries); none when they commit inline. */
  private readonly writer: SqliteWriteThread | undefined;
  private insert: Database.Statement | undefined;
  private queue: Pending[] = [];
  /** The writer loop while the queue has entries; null when idle. */
  private writing: Promise<void> | null = null;
  private closed = false;
  private readonly writeLockBudgetMs: number;

  constructor(
    private readonly filename: string,
    options: SqliteAccessLogOptions = {},
  ) {
    this.writeLockBudgetMs = Math.max(0, Math.floor(options.writeLockBudgetMs ?? DEFAULT_WRITE_LOCK_BUDGET_MS));
    const settings = { writeLockBudgetMs: this.writeLockBudgetMs, synchronous: options.synchronous === 'FULL' ? ('FULL' as const) : ('NORMAL' as const) };
    if (options.commits === 'inline' && settings.synchronous === 'FULL') {
      throw new Error('SqliteAccessLog: inline commits need synchronous NORMAL (at FULL each commit waits for the disk on the event loop)');
    }
    let scrubbed = false;
    this.db = openSharedSqliteFile(filename, {
      ...settings,
      schema: SCHEMA,
      migrate: (db) => {
        scrubbed = scrubQueryValues(db);
      },
      // Once, after the scrub: the WAL file still holds the old pages (and frames from before) until it is truncated.
      afterMigrate: (db) => {
        if (scrubbed) db.pragma('wal_checkpoint(TRUNCATE)');
      },
    });
    this.writer = options.commits === 'inline' ? undefined : new SqliteWriteThread(filename, settings);
  }

  record(entry: AccessEntry): Promise<void> {
    if (this.closed) return Promise.reject(new Error('SqliteAccessLog is closed'));
    // Checked before it joins a group: an `at` Date cannot read would fail the whole group's write.
    if (!isInstant(entry.at)) return Promise.reject(new InvalidInstantError('at'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ entry, resolve, reject });
      this.writing ??= this.writeQueue();
    });
  }

  async query(query: AccessQuery): Promise<AccessPage> {
    checkAccessQueryInstants(query);
    const conditions: string[] = ['id > ?'];
    const parameters: (string | number)[] = [query.after === undefined ? 0 : Number(query.after)];
    if (query.customerId !== undefined) {
      conditions.push('(customer_id = ? OR customer_id IS NULL)');
      parameters.push(query.customerId);
    }
    if (query.actor !== undefined) {
      conditions.push('(actor_id = ? OR actor_name = ?)');
      parameters.push(query.actor, query.actor);
    }
    if (query.from !== undefined) {
      conditions.push('at >= ?');
      parameters.push(new Date(query.from).toISOString());
    }
    if (query.to !== undefined) {
      conditions.push('at < ?');
      parameters.push(new Date(query.to).toISOString());
    }
    const rows = this.db.prepare(`SELECT * FROM access_log WHERE ${conditions.join(' AND ')} ORDER BY id ASC LIMIT ?`).all(...parameters, query.limit + 1) as Row[];
    const entries = rows.slice(0, query.limit).map(toRecordedAccess);
    return { entries, next: rows.length > query.limit ? (entries[entries.length - 1]?.id ?? null) : null };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Entries already accepted are written (or refused, once their wait for the lock is over) before the file closes.
    await this.writing;
    await this.writer?.close();
    this.db.close();
  }

  /**
   * Writes the queue until it is empty: every entry recorded in one tick (or while the previous group
   * was committed, or another process held the write lock) shares one transaction.
   */
  private async writeQueue(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) {
        const group = this.queue;
        this.queue = [];
        await this.writeGroup(group);
      }
    } finally {
      this.writing = null;
    }
  }

  private async writeGroup(group: readonly Pending[]): Promise<void> {
    const rows = group.map(({ entry }) => [
      new Date(entry.at).toISOString(),
      entry.actor.id,
      entry.actor.name ?? null,
      entry.actor.role ?? null,
      entry.onBehalfOf?.id ?? null,
      entry.action,
      entry.customerId,
      entry.resource,
      entry.correlationId,
    ]);
    try {
      if (this.writer) await this.writer.run([{ sql: INSERT_ENTRY, rows }]);
      else await this.commitInline(rows);
    } catch (error) {
      const refusal = error instanceof WriteLockBusyError ? new EventStoreBusyError(this.filename, error.waitedMs) : error;
      for (const pending of group) pending.reject(refusal);
      return;
    }
    for (const pending of group) pending.resolve();
  }

  /** One transaction on this connection; another process's write lock is waited for on a timer, within the budget. */
  private commitInline(rows: readonly (string | null)[][]): Promise<void> {
    const insert = (this.insert ??= this.db.prepare(INSERT_ENTRY));
    return writeTransaction(
      this.db,
      () => {
        for (const row of rows) insert.run(...row);
      },
      { budgetMs: this.writeLockBudgetMs, busyError: (waited) => new EventStoreBusyError(this.filename, waited) },
    );
  }
}

function toRecordedAccess(row: Row): RecordedAccess {
  return {
    id: String(row.id),
    at: row.at,
    actor: { id: row.actor_id, ...(row.actor_name === null ? {} : { name: row.actor_name }), ...(row.actor_role === null ? {} : { role: row.actor_role }) },
    ...(row.on_behalf_of === null ? {} : { onBehalfOf: { id: row.on_behalf_of } }),
    action: row.action,
    customerId: row.customer_id,
    resource: row.resource,
    correlationId: row.correlation_id,
  };
}
