// Snapshots in the running embedded default (SNAPSHOT_EVERY=3): commands on a customer stream write
// them to events.sqlite, sealed (no personal value in clear); a retry of the registration, now far
// under the snapshot, is still answered as the original; dropping every snapshot as the README says
// changes no answer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient } from '../support/api-client';
import { eventually } from '../support/eventually';
import { apiKeysSetting } from '../support/api-keys';

jest.setTimeout(120_000);

const KEYS = { ingest: 'snapshots-ingest-key-0123456789', support: 'snapshots-support-key-0123456789' };

describe('Snapshots (SNAPSHOT_EVERY) in the embedded default', () => {
  let dataDir: string;
  let chronicle: RunningChronicle;
  let ingest: ApiClient;
  const snapshotsIn = (): { stream_id: string; revision: number; data: string }[] => {
    const db = new Database(join(dataDir, 'events.sqlite'), { readonly: true });
    try {
      return db.prepare('SELECT stream_id, revision, data FROM snapshots').all() as { stream_id: string; revision: number; data: string }[];
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-snapshots-e2e-'));
    chronicle = await startChronicle({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', SNAPSHOT_EVERY: '3', API_KEYS: apiKeysSetting(KEYS) });
    ingest = new ApiClient(chronicle.url, KEYS.ingest);
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes sealed snapshots, answers a retry under one as the original, and answers the same once they are dropped', async () => {
    const registration = { customerId: 'c-snap', profile: { firstName: 'Snapshotta', lastName: 'Example', email: 'snapshotta@example.com' }, occurredAt: '2026-10-01T08:00:00Z' };
    const registered = await ingest.post('/v1/customers', registration);
    expect(registered.status).toBe(201);
    const consent = (granted: boolean, day: number) =>
      ingest.post('/v1/customers/c-snap/consents', { purpose: 'marketing_email', granted, via: 'e2e', occurredAt: `2026-10-${String(day).padStart(2, '0')}T08:00:00Z` });
    for (let day = 2; day <= 9; day++) expect((await consent(day % 2 === 0, day)).status).toBe(200);

    const written = await eventually(async () => {
      const rows = snapshotsIn().filter((row) => row.stream_id === 'customer-c-snap');
      expect(rows).toHaveLength(1);
      expect(rows[0].revision).toBeGreaterThanOrEqual(3);
      return rows[0];
    });
    expect(written.data).not.toContain('Snapshotta');

    const retry = await ingest.post('/v1/customers', registration);
    expect(retry.body).toEqual({ ...registered.body, replayed: true });
    // A reply dated before events under the snapshot is still refused (the customer stream is chronological).
    const late = await consent(true, 5);
    expect(late.status).toBe(422);
    expect(JSON.stringify(late.body)).toContain('occurredAt');

    const db = new Database(join(dataDir, 'events.sqlite'));
    db.exec('DELETE FROM snapshots');
    db.close();
    expect(await ingest.post('/v1/customers', registration)).toMatchObject({ status: retry.status, body: retry.body });
    expect((await consent(true, 5)).status).toBe(422);
    // Same consent as the last one given (day 8: given, day 9: withdrawn): withdrawing again changes nothing.
    expect((await consent(false, 10)).body).toMatchObject({ changed: false });
    expect((await consent(true, 11)).body).toMatchObject({ changed: true });
  });
});
