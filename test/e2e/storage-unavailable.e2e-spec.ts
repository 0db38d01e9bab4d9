// A data store that cannot take writes while the server runs: commands are answered 503 with
// Retry-After (not 500) and logged, readiness reports the store down, and both recover once it can write
// again. The store is made unwritable for real: another connection holds SQLite's write lock longer
// than a write may wait for it (SQLITE_WRITE_LOCK_BUDGET_MS), as a stuck process sharing the file would.
import { Logger } from '@nestjs/common';
import Database from 'better-sqlite3';
import { Logger as PinoLogger } from 'nestjs-pino';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient } from '../support/api-client';
import { eventually } from '../support/eventually';
import { apiKeysSetting } from '../support/api-keys';

jest.setTimeout(180_000);

const KEYS = { ingest: 'store-ingest-key-0123456789', support: 'store-support-key-0123456789' };

describe('a data store that cannot take writes at run time', () => {
  let dataDir: string;
  let chronicle: RunningChronicle;
  let ingest: ApiClient;
  let anonymous: ApiClient;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-store-'));
    chronicle = await startChronicle({
      DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', API_KEYS: apiKeysSetting(KEYS),
      // Here only the request under test writes; it waits for the lock at most this long (on a timer).
      SQLITE_WRITE_LOCK_BUDGET_MS: '300',
      LOYALTY_REACTOR: 'false', SEGMENTS_REACTOR: 'false', LOYALTY_SWEEP_INTERVAL_MS: '0', SEGMENTS_SWEEP_INTERVAL_MS: '0', LEASE_TTL_MS: '600000',
    });
    ingest = new ApiClient(chronicle.url, KEYS.ingest);
    anonymous = new ApiClient(chronicle.url);
    expect((await ingest.post('/v1/customers', { customerId: 'c-store', profile: { firstName: 'Sam', lastName: 'Store' } })).status).toBe(201);
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers commands 503 with Retry-After and reports readiness down while the write lock is held elsewhere; both recover after', async () => {
    const blocker = new Database(join(dataDir, 'events.sqlite'));
    blocker.exec('BEGIN IMMEDIATE');
    // What the server logs, through Nest's logger as every part of it logs.
    const logged: string[] = [];
    Logger.overrideLogger({ error: (message: unknown) => void logged.push(String(message)), log: () => undefined, warn: (message: unknown) => void logged.push(String(message)) });
    try {
      const refused = await ingest.post('/v1/interactions/notes', { customerId: 'c-store', noteId: 'n-locked', text: 'x', authorId: 'a' });
      // A refused write is always logged (a busy store as one line: another process's long write is not a bug).
      expect(logged).toEqual([expect.stringMatching(/^The event store .*events\.sqlite is busy: another process has held its write lock for \d+ ms/)]);
      expect({ status: refused.status, code: refused.body.code, retryAfter: refused.headers['retry-after'], type: refused.headers['content-type'] }).toEqual({
        status: 503, code: 'STORE_BUSY', retryAfter: '1', type: expect.stringContaining('application/problem+json'),
      });
      const ready = await anonymous.get('/health/ready');
      expect({ status: ready.status, eventStore: ready.body.details.eventStore.status }).toEqual({ status: 503, eventStore: 'down' });
      expect(ready.body.details.eventStore.error).toMatch(/events\.sqlite is busy: another process has held its write lock for \d+ ms/);
    } finally {
      chronicle.app.useLogger(chronicle.app.get(PinoLogger));
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    const retried = await ingest.post('/v1/interactions/notes', { customerId: 'c-store', noteId: 'n-locked', text: 'x', authorId: 'a' });
    expect({ status: retried.status, replayed: retried.body.replayed }).toEqual({ status: 201, replayed: false });
    await eventually(async () => expect((await anonymous.get('/health/ready')).status).toBe(200), 60_000);
  });
});
