// The auditor's promise: every read model the live projector built equals what a rebuild from the
// event log alone produces. Demo customers are seeded over HTTP, segments defined, the reactors
// (loyalty, segment membership) left to settle; then the app stops and a fresh read store is
// rebuilt from the log and compared with the live one, document by document, in every collection.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { SqliteReadStore, type ReadDocument, type ReadStore } from '@app/read-store';
import { CHRONICLE_COLLECTIONS, rebuildReadModels, seed, startChronicle, type RunningChronicle } from '@app/composition';
import { LoyaltyBackground } from '@app/loyalty';
import { SegmentsBackground } from '@app/segments';
import { ApiClient } from '../support/api-client';
import { eventually } from '../support/eventually';
import { openDecodingEventStore } from '../support/decoding-event-store';
import { apiKeysSetting } from '../support/api-keys';

const KEYS = {
  ingest: 'test-ingest-key-0123456789',
  analyst: 'test-analyst-key-0123456789',
};
const CUSTOMERS = 60;

interface Progress {
  readonly head: number;
  readonly checkpoint: number | null;
}

async function progressOf(api: ApiClient): Promise<Progress> {
  const ready = await api.get('/health/ready');
  expect(ready.status).toBe(200);
  return { head: ready.body.details.eventStore.headPosition, checkpoint: ready.body.details.readStore.projectorCheckpoint };
}

async function everyDocument(store: ReadStore, collection: string): Promise<ReadDocument[]> {
  return store.find(collection, {}, { sort: [{ field: 'id', direction: 'asc' }] });
}

describe('Rebuild equals the live read models (embedded)', () => {
  let dataDir: string;
  let rebuildDir: string;
  let chronicle: RunningChronicle | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-rebuild-e2e-'));
    rebuildDir = mkdtempSync(join(tmpdir(), 'chronicle-rebuild-fresh-'));
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(rebuildDir, { recursive: true, force: true });
  });

  it('rebuilds every collection of chronicleProjections to the same documents the live projector wrote', async () => {
    chronicle = await startChronicle({
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'warn',
      API_KEYS: apiKeysSetting(KEYS),
      SEGMENTS_SWEEP_INTERVAL_MS: '0',
      LOYALTY_SWEEP_INTERVAL_MS: '0',
    });
    const analyst = new ApiClient(chronicle.url, KEYS.analyst);
    const anonymous = new ApiClient(chronicle.url);

    const seeded = await seed({ url: chronicle.url, apiKey: KEYS.ingest, customers: CUSTOMERS, seed: 4, concurrency: 4, progress: false });
    expect(seeded.failures).toEqual([]);
    expect(seeded.recorded.customers).toBe(CUSTOMERS);

    const segments = [
      { segmentId: 'recent-buyers', name: 'Recent buyers', rule: { purchases: { count: { gte: 2 }, withinDays: 365 } } },
      { segmentId: 'west', name: 'Western Europe', rule: { field: 'country', op: 'in', value: ['GB', 'FR', 'IE', 'NL'] } },
      { segmentId: 'loyal-west', name: 'Loyal in the west', rule: { all: [{ field: 'country', op: 'in', value: ['GB', 'FR', 'IE', 'NL'] }, { not: { purchases: { count: { lte: 1 }, withinDays: 730 } } }] } },
    ];
    for (const segment of segments) expect((await analyst.post('/v1/segments', segment)).status).toBe(201);

    // Settled: the projector has reached the head and both reactors have handled everything up to
    // it (they append only in reaction to events they have not handled yet), and the head did not
    // move while we looked again.
    const app = chronicle.app;
    const reactors = [app.get(LoyaltyBackground).purchaseReactor, app.get(SegmentsBackground).segmentsReactor];
    expect(reactors.every((reactor) => reactor !== undefined)).toBe(true);
    await eventually(async () => {
      const first = await progressOf(anonymous);
      expect(first.checkpoint).toBe(first.head);
      expect(reactors.map((reactor) => reactor?.position)).toEqual([first.head, first.head]);
      expect(await progressOf(anonymous)).toEqual(first);
    }, 60_000);
    const settled = await progressOf(anonymous);
    // The reactors did react: membership and loyalty events are in the log beyond what the seed wrote.
    expect((await analyst.get('/v1/segments/west')).body.memberCount).toBeGreaterThan(0);

    await chronicle.close();
    chronicle = undefined;

    // Read as the product reads it: personal values opened with the folder's key store.
    const events = await openDecodingEventStore(dataDir);
    const live = new SqliteReadStore(join(dataDir, 'read-models.sqlite'));
    const rebuilt = new SqliteReadStore(join(rebuildDir, 'read-models.sqlite'));
    try {
      const result = await rebuildReadModels(events, rebuilt, { currency: 'EUR', batchSize: 250 });
      expect(result.position).toBe(settled.head);

      const collections = [...CHRONICLE_COLLECTIONS];
      for (const expected of ['customer360', 'loyaltyAccounts', 'segmentMembers', 'customerSegments', 'dailyKpis', 'customerAnalytics']) {
        expect(collections).toContain(expected);
      }
      const differences: string[] = [];
      let compared = 0;
      for (const collection of collections) {
        const liveDocs = await everyDocument(live, collection);
        const rebuiltDocs = new Map((await everyDocument(rebuilt, collection)).map((doc) => [doc.id, doc]));
        for (const doc of liveDocs) {
          const other = rebuiltDocs.get(doc.id);
          rebuiltDocs.delete(doc.id);
          compared++;
          if (!other) differences.push(`${collection}/${doc.id}: live only`);
          else if (!isDeepStrictEqual(doc, other)) differences.push(`${collection}/${doc.id}: differs\n  live:    ${JSON.stringify(doc)}\n  rebuilt: ${JSON.stringify(other)}`);
        }
        for (const id of rebuiltDocs.keys()) differences.push(`${collection}/${id}: rebuilt only`);
      }
      expect(differences).toEqual([]);
      // Loose lower bound that fails if a collection came back empty on both sides.
      expect(compared).toBeGreaterThan(CUSTOMERS * 4);
      for (const collection of ['loyaltyAccounts', 'segmentMembers', 'customerSegments', 'dailyKpis', 'customerAnalytics']) {
        expect({ collection, empty: (await rebuilt.count(collection, {})) === 0 }).toEqual({ collection, empty: false });
      }
    } finally {
      await Promise.all([events.close(), live.close(), rebuilt.close()]);
    }
  }, 180_000);
});

