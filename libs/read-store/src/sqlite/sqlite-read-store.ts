// The embedded ReadStore: JSON documents in one SQLite file (better-sqlite3, WAL). One table per
// collection, expression indexes on json_extract, the position guard inside the upsert statement,
// and the checkpoint written in the same transaction as the documents. Writes wait for another
// process's write lock on a timer, never on the event loop's thread.
import type Database from 'better-sqlite3';
import {
  BACKSTOP_AUTOCHECKPOINT_PAGES, checkpointInBackground, DEFAULT_WRITE_LOCK_BUDGET_MS, noBackgroundCheckpoints, openSharedSqliteFile, probeWritable, SqliteWriteThread, truncateWal, WriteLockBusyError, writeTransaction,
  type BackgroundCheckpoints, type StatementBatch,
} from '@app/sqlite';
import type {
  AggregateRow,
  AggregateSpec,
  Checkpoint,
  CollectionDefinition,
  Filter,
  FindOptions,
  IndexDefinition,
  ReadDocument,
  ReadStore,
  ReadStoreWrite,
  Scalar,
} from '../read-store.port';
import { checkpointList, ReadStoreBusyError, type Checkpoints } from '../read-store.port';
import { assertFieldPath, compileFilter, compileSort, fieldExpression, tableName, type SqlValue } from './sqlite-filter';

const CHECKPOINTS_TABLE = 'read_checkpoints';
/** Distinct statement texts kept prepared; find/count/aggregate texts vary with the filter's shape. */
const STATEMENT_CACHE_SIZE = 500;
const NO_LIMIT = -1; // SQLite's LIMIT -1

export interface SqliteReadStoreOptions {
  /**
   * How long a write may wait for another process's write lock before it is refused with
   * ReadStoreBusyError (default 5 s). The wait is asynchronous: the process keeps serving.
   */
  readonly writeLockBudgetMs?: number;
  /**
   * Whether this store starts background checkpoints of its file (default true). False where
   * another connection of the same process already checkpoints it: the embedded projector thread's
   * store, whose file the HTTP thread's store watches. Its own backstop threshold still applies.
   */
  readonly checkpointsInBackground?: boolean;
  /**
   * Where applyBatch runs its transaction (default 'inline'): on this thread, or on a write thread
   * with a connection of its own ('thread'), so the caller's thread prepares the next batch (loads,
   * projects, serialises) while SQLite writes this one. Documents are serialised here either way;
   * applyBatch resolves once COMMIT returned. Everything else (reads, DDL, purge) stays on this
   * thread's connection, and in 'thread' mode every write of this store, on either connection, runs
   * in the order it was called.
   */
  readonly writes?: SqliteReadStoreWrites;
}

export type SqliteReadStoreWrites = 'inline' | 'thread';

interface WriteStatements {
  readonly upsert: Database.Statement;
  readonly remove: Database.Statement;
}

interface DocumentRow {
  id: string;
  last_position: number;
  doc: string;
}

export class SqliteReadStore implements ReadStore {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /**
   * Each collection's upsert and delete, prepared once: a rebuild runs them ~3 times per event, and
   * looking them up by their SQL text (built anew each time) in the LRU cache showed in its profile.
   */
  private readonly writers = new Map<string, WriteStatements>();
  private readonly tables = new Set<string>();
  private readonly writeLockBudgetMs: number;
  private readonly checkpoints: BackgroundCheckpoints;
  private readonly writeThread: SqliteWriteThread | undefined;
  /** In 'thread' mode, the last write called (on either connection): the next one runs after it. */
  private writesInOrder: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    options: SqliteReadStoreOptions = {},
  ) {
    this.writeLockBudgetMs = Math.max(0, Math.floor(options.writeLockBudgetMs ?? DEFAULT_WRITE_LOCK_BUDGET_MS));
    // Read models hold personal data in clear: what a forget overwrites or deletes must not stay
    // behind in freed pages (see purge for the write-ahead log).
    this.db = openSharedSqliteFile(file, {
      writeLockBudgetMs: this.writeLockBudgetMs,
      synchronous: 'NORMAL',
      secureDelete: true,
      schema: `CREATE TABLE IF NOT EXISTS ${CHECKPOINTS_TABLE} (name TEXT PRIMARY KEY, position INTEGER NOT NULL)`,
    });
    this.checkpoints = options.checkpointsInBackground === false ? noBackgroundCheckpoints(this.db) : checkpointInBackground(this.db, file);
    this.writeThread =
      options.writes === 'thread' && file !== ':memory:'
        ? // The file is checkpointed in the background (by this store or another of the process): only the backstop here.
          new SqliteWriteThread(file, { synchronous: 'NORMAL', secureDelete: true, writeLockBudgetMs: this.writeLockBudgetMs, autocheckpointPages: BACKSTOP_AUTOCHECKPOINT_PAGES })
        : undefined;
  }

  async ensureCollections(definitions: readonly CollectionDefinition[]): Promise<void> {
    await this.write(() => {
      for (const definition of definitions) {
        const table = this.table(definition.name);
        for (const index of definition.indexes) this.createIndex(table, index);
      }
    });
  }

  async get<T extends ReadDocument = ReadDocument>(collection: string, id: string): Promise<T | null> {
    const table = this.table(collection);
    const row = this.statement(`SELECT id, last_position, doc FROM ${table} WHERE id = ?`).get(id) as DocumentRow | undefined;
    return row ? toDocument<T>(row) : null;
  }

  async getMany<T extends ReadDocument = ReadDocument>(collection: string, ids: readonly string[]): Promise<Map<string, T>> {
    const found = new Map<string, T>();
    if (ids.length === 0) return found;
    const table = this.table(collection);
    // One statement for any number of ids: they arrive as one JSON array parameter.
    const rows = this.statement(`SELECT id, last_position, doc FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`).all(
      JSON.stringify([...new Set(ids)]),
    ) as DocumentRow[];
    for (const row of rows) found.set(row.id, toDocument<T>(row));
    return found;
  }

  async find<T extends ReadDocument = ReadDocument>(collection: string, filter: Filter, options: FindOptions = {}): Promise<T[]> {
    if (options.limit !== undefined && options.limit <= 0) return [];
    const query = this.findQuery(collection, filter, options);
    return (this.statement(query.sql).all(...query.params) as DocumentRow[]).map((row) => toDocument<T>(row));
  }

  async count(collection: string, filter: Filter): Promise<number> {
    const table = this.table(collection);
    const where = compileFilter(filter);
    const row = this.statement(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where.sql}`).get(...where.params) as { n: number };
    return row.n;
  }

  async aggregate(collection: string, filter: Filter, spec: AggregateSpec): Promise<AggregateRow[]> {
    const table = this.table(collection);
    const where = compileFilter(filter);
    const sums = spec.sum ?? [];
    for (const field of [...spec.groupBy, ...sums]) assertFieldPath(field);
    // json_type beside each key tells a JSON true/false from the 1/0 json_extract gives for it.
    const columns = [
      ...spec.groupBy.flatMap((field, i) => [`${fieldExpression(field)} AS g${i}`, `${typeOf(field)} AS t${i}`]),
      'COUNT(*) AS n',
      // Only numbers add up, as MongoDB's $sum ignores anything else.
      ...sums.map((field, i) => `TOTAL(CASE WHEN ${typeOf(field)} IN ('integer', 'real') THEN ${fieldExpression(field)} END) AS s${i}`),
    ];
    const groupKeys = spec.groupBy.map((_, i) => `g${i}`).join(', ');
    const grouping = spec.groupBy.length === 0 ? '' : ` GROUP BY ${groupKeys} ORDER BY ${groupKeys}`;
    const rows = this.statement(`SELECT ${columns.join(', ')} FROM ${table} WHERE ${where.sql}${grouping}`).all(...where.params) as Record<
      string,
      SqlValue
    >[];
    const result = rows.map(
      (row): AggregateRow => ({
        key: Object.fromEntries(spec.groupBy.map((field, i) => [field, toScalar(row[`g${i}`] ?? null, row[`t${i}`] ?? null)])),
        count: Number(row['n']),
        sums: Object.fromEntries(sums.map((field, i) => [field, Number(row[`s${i}`] ?? 0)])),
      }),
    );
    // With no groupBy an aggregate over no documents is no group at all (as MongoDB's $group gives).
    return spec.groupBy.length === 0 && result[0]?.count === 0 ? [] : result;
  }

  async applyBatch(writes: readonly ReadStoreWrite[], checkpoints?: Checkpoints): Promise<void> {
    const latest = latestWritePerDocument(writes);
    const marks = checkpointList(checkpoints);
    const thread = this.writeThread;
    if (thread) {
      const batches = threadBatches(latest, marks);
      await this.inOrder(async () => {
        try {
          await thread.run(batches);
        } catch (error) {
          throw error instanceof WriteLockBusyError ? new ReadStoreBusyError(this.file, error.waitedMs) : error;
        }
      });
      return;
    }
    await this.write(() => {
      for (const write of latest) {
        const statements = this.writeStatements(write.collection);
        if (write.kind === 'delete') statements.remove.run(write.id, write.position);
        else statements.upsert.run(write.doc.id, write.doc.lastPosition, JSON.stringify(write.doc));
      }
      for (const checkpoint of marks) this.statement(checkpointSql).run(checkpoint.name, checkpoint.position);
    });
  }

  async getCheckpoint(name: string): Promise<number | null> {
    const row = this.statement(`SELECT position FROM ${CHECKPOINTS_TABLE} WHERE name = ?`).get(name) as { position: number } | undefined;
    return row ? row.position : null;
  }

  async listCheckpoints(): Promise<Checkpoint[]> {
    return this.statement(`SELECT name, position FROM ${CHECKPOINTS_TABLE} ORDER BY name`).all() as Checkpoint[];
  }

  async deleteCheckpoint(name: string): Promise<void> {
    await this.write(() => {
      this.statement(`DELETE FROM ${CHECKPOINTS_TABLE} WHERE name = ?`).run(name);
    });
  }

  async drop(collections: readonly string[]): Promise<void> {
    // Statements prepared on a dropped table would fail; forget them all (the cache refills).
    this.statements.clear();
    this.writers.clear();
    await this.write(() => {
      for (const collection of collections) {
        const table = tableName(collection);
        this.db.exec(`DROP TABLE IF EXISTS ${table}`);
        this.tables.delete(table);
      }
    });
  }

  async clear(collections: readonly string[]): Promise<void> {
    await this.write(() => {
      for (const collection of collections) this.statement(`DELETE FROM ${this.table(collection)}`).run();
    });
  }

  /** A write that is rolled back (probeWritable): refused only once the lock is held longer than a write may wait. */
  async checkWritable(): Promise<void> {
    await probeWritable(this.db, { budgetMs: this.writeLockBudgetMs, busyError: (waited) => new ReadStoreBusyError(this.file, waited) });
  }

  /**
   * secure_delete already zeroed freed space in the pages; the write-ahead log still holds earlier
   * images of them until a checkpoint copies the newest over and truncates it. One database file
   * for every collection, so the collections do not narrow it down.
   */
  async purge(_collections: readonly string[]): Promise<void> {
    // Busy while another connection checkpoints or a reader still uses an older snapshot: tried again
    // on a timer; refused (the projector retries its batch) once the write budget is spent.
    await truncateWal(this.db, {
      budgetMs: this.writeLockBudgetMs,
      busyError: (waited) => new ReadStoreBusyError(this.file, waited, 'its write-ahead log could not be truncated (another connection is checkpointing or reading an older snapshot)'),
    });
  }

  async close(): Promise<void> {
    await this.writeThread?.close();
    this.statements.clear();
    this.writers.clear();
    await this.checkpoints.stop();
    if (this.db.open) this.db.close();
  }

  /**
   * SQLite's plan for the query `find` would run (EXPLAIN QUERY PLAN details), so a test or an
   * operator can check that a filter is answered from an index rather than by a scan.
   */
  queryPlan(collection: string, filter: Filter, options: FindOptions = {}): string[] {
    const query = this.findQuery(collection, filter, options);
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.params) as { detail: string }[]).map((row) => row.detail);
  }

  /** A write transaction that waits for another process's write lock asynchronously, within the budget. */
  private async write(work: () => void): Promise<void> {
    const transaction = async (): Promise<void> => {
      try {
        await writeTransaction(this.db, work, { budgetMs: this.writeLockBudgetMs, busyError: (waited) => new ReadStoreBusyError(this.file, waited) });
      } catch (error) {
        // A table created inside the rolled-back transaction is gone again: forget what was cached.
        this.tables.clear();
        this.writers.clear();
        throw error;
      }
    };
    await (this.writeThread ? this.inOrder(transaction) : transaction());
  }

  /** Runs `work` once every write called before it settled (thread mode: two connections, one order). */
  private inOrder<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writesInOrder.then(work, work);
    this.writesInOrder = run.catch(() => undefined);
    return run;
  }

  private findQuery(collection: string, filter: Filter, options: FindOptions): { sql: string; params: SqlValue[] } {
    const table = this.table(collection);
    const where = compileFilter(filter);
    const order = compileSort(options.sort ?? []);
    return {
      sql: `SELECT id, last_position, doc FROM ${table} WHERE ${where.sql} ORDER BY ${order} LIMIT ? OFFSET ?`,
      params: [...where.params, options.limit ?? NO_LIMIT, Math.max(0, options.skip ?? 0)],
    };
  }

  /**
   * The table of a collection, created on first use: as on MongoDB, a collection nobody declared
   * reads as empty and takes writes. ensureCollections adds the indexes.
   */
  private table(collection: string): string {
    const table = tableName(collection);
    if (!this.tables.has(table)) {
      this.db.exec(createTableSql(table));
      this.tables.add(table);
    }
    return table;
  }

  private writeStatements(collection: string): WriteStatements {
    let statements = this.writers.get(collection);
    if (!statements) {
      const table = this.table(collection);
      statements = {
        upsert: this.db.prepare(upsertSql(table)),
        remove: this.db.prepare(deleteSql(table)),
      };
      this.writers.set(collection, statements);
    }
    return statements;
  }

  private createIndex(table: string, index: IndexDefinition): void {
    if (index.fields.length === 0) return;
    // The primary key already indexes id (uniquely).
    if (index.fields.length === 1 && index.fields[0]?.field === 'id') return;
    const terms = index.fields.map((f) => `${fieldExpression(f.field)} ${f.direction === 'asc' ? 'ASC' : 'DESC'}`);
    const name = `${table}__${index.fields.map((f) => `${f.field.replace(/\./g, '_')}_${f.direction}`).join('__')}${index.unique ? '__unique' : ''}`;
    this.db.exec(`CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${name} ON ${table} (${terms.join(', ')})`);
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement) {
      // Refresh its place so the least recently used text is the one evicted.
      this.statements.delete(sql);
    } else {
      statement = this.db.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.delete(this.statements.keys().next().value as string);
    }
    this.statements.set(sql, statement);
    return statement;
  }
}

/** A document's write with the position guard: a document never goes back to an older version. */
const upsertSql = (table: string): string =>
  `INSERT INTO ${table} (id, last_position, doc) VALUES (?, ?, ?)
   ON CONFLICT(id) DO UPDATE SET last_position = excluded.last_position, doc = excluded.doc
   WHERE excluded.last_position > ${table}.last_position`;
const deleteSql = (table: string): string => `DELETE FROM ${table} WHERE id = ? AND last_position < ?`;
const createTableSql = (table: string): string => `CREATE TABLE IF NOT EXISTS ${table} (id TEXT PRIMARY KEY, last_position INTEGER NOT NULL, doc TEXT NOT NULL)`;
const checkpointSql = `INSERT INTO ${CHECKPOINTS_TABLE} (name, position) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position`;

/**
 * applyBatch's statements for the write thread, grouped by statement: each collection's table first
 * (created on first use, as `table` does on this thread), then its upserts and deletes, then the
 * checkpoints. The documents are serialised on the caller's thread, once.
 */
function threadBatches(latest: readonly ReadStoreWrite[], checkpoints: readonly Checkpoint[]): StatementBatch[] {
  const tables = new Map<string, { upserts: (string | number)[][]; deletes: (string | number)[][] }>();
  for (const write of latest) {
    const table = tableName(write.collection);
    let rows = tables.get(table);
    if (!rows) tables.set(table, (rows = { upserts: [], deletes: [] }));
    if (write.kind === 'delete') rows.deletes.push([write.id, write.position]);
    else rows.upserts.push([write.doc.id, write.doc.lastPosition, JSON.stringify(write.doc)]);
  }
  const batches: StatementBatch[] = [];
  for (const [table, rows] of tables) {
    batches.push({ sql: createTableSql(table), rows: [[]] });
    if (rows.upserts.length > 0) batches.push({ sql: upsertSql(table), rows: rows.upserts });
    if (rows.deletes.length > 0) batches.push({ sql: deleteSql(table), rows: rows.deletes });
  }
  if (checkpoints.length > 0) batches.push({ sql: checkpointSql, rows: checkpoints.map((checkpoint) => [checkpoint.name, checkpoint.position]) });
  return batches;
}

function typeOf(field: string): string {
  return field === 'id' ? `'text'` : `json_type(doc, '$.${field}')`;
}

function toDocument<T extends ReadDocument>(row: DocumentRow): T {
  // The parsed object is new and ours: the columns are set on it rather than copied into another.
  const doc = JSON.parse(row.doc) as Record<string, unknown>;
  doc['id'] = row.id;
  doc['lastPosition'] = row.last_position;
  return doc as unknown as T;
}

function toScalar(value: SqlValue, type: SqlValue): Scalar {
  if (type === 'true') return true;
  if (type === 'false') return false;
  return value;
}

/**
 * One write per document, the one with the highest position (the later on a tie). Applied in batch
 * order, an older upsert after a newer delete would bring the document back; the guard cannot see a
 * document that is gone.
 */
function latestWritePerDocument(writes: readonly ReadStoreWrite[]): ReadStoreWrite[] {
  const latest = new Map<string, ReadStoreWrite>();
  for (const write of writes) {
    const key = `${write.collection}\u0000${write.kind === 'delete' ? write.id : write.doc.id}`;
    const current = latest.get(key);
    if (!current || positionOf(write) >= positionOf(current)) latest.set(key, write);
  }
  return [...latest.values()];
}

function positionOf(write: ReadStoreWrite): number {
  return write.kind === 'delete' ? write.position : write.doc.lastPosition;
}
