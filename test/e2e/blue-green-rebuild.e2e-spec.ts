// Rebuilds are blue/green and crash-safe: a new read-model generation is built beside the live one,
// the running server moves over when it is switched live, and a rebuild killed (kill -9) midway
// leaves the live models untouched and resumes to the same documents a clean rebuild gives.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { newEventId, type NewEvent } from '@app/event-sourcing';
import { SqliteEventStore } from '@app/event-store';
import { activeGeneration, generationCheckpoint, GenerationalReadStore, SqliteReadStore, type ReadStore } from '@app/read-store';
import {
  blueGreenRebuild, compareReadModels, describeDifference, dropInactiveGenerations, listGenerations, projectedCollections, rebuildReadModels, seed, startChronicle,
  type RunningChronicle,
} from '@app/composition';
import { PROJECTOR_NAME, REBUILD_LEASE } from '@app/composition';
import { EventStoreLeaseStore } from '@app/transport';
import { LoyaltyBackground } from '@app/loyalty';
import { SegmentsBackground } from '@app/segments';
import { ApiClient } from '../support/api-client';
import { eventually } from '../support/eventually';
import { openDecodingEventStore } from '../support/decoding-event-store';
import { startProcess } from '../support/chronicle-process';
import { apiKeysSetting } from '../support/api-keys';

jest.setTimeout(240_000);

const KEYS = { ingest: 'test-ingest-key-0123456789', support: 'test-support-key-0123456789', analyst: 'test-analyst-key-0123456789' };

/** A digest of every document of every projected collection: equal digests, equal read models. */
async function digest(store: ReadStore): Promise<string> {
  const hash = createHash('sha256');
  for (const collection of projectedCollections()) {
    for (const doc of await store.find(collection, {}, { sort: [{ field: 'id', direction: 'asc' }] })) hash.update(`${collection}\u0000${JSON.stringify(doc)}\n`);
  }
  return hash.digest('hex');
}

describe('Blue/green rebuild', () => {
  const directories: string[] = [];
  const tempDir = (): string => {
    const directory = mkdtempSync(join(tmpdir(), 'chronicle-bluegreen-'));
    directories.push(directory);
    return directory;
  };
  let chronicle: RunningChronicle | undefined;

  afterAll(async () => {
    await chronicle?.close();
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  it('builds the next generation beside the live one while the server serves, switches it live, and the server follows it', async () => {
    const dataDir = tempDir();
    chronicle = await startChronicle({
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'warn',
      API_KEYS: apiKeysSetting(KEYS),
      SEGMENTS_SWEEP_INTERVAL_MS: '0',
      LOYALTY_SWEEP_INTERVAL_MS: '0',
      READ_MODEL_GENERATION_POLL_MS: '50',
    });
    const support = new ApiClient(chronicle.url, KEYS.support);
    const anonymous = new ApiClient(chronicle.url);
    expect((await seed({ url: chronicle.url, apiKey: KEYS.ingest, customers: 25, seed: 7, concurrency: 4, progress: false })).failures).toEqual([]);
    const reactors = [chronicle.app.get(LoyaltyBackground).purchaseReactor, chronicle.app.get(SegmentsBackground).segmentsReactor];
    await eventually(async () => {
      const ready = (await anonymous.get('/health/ready')).body.details;
      expect(ready.readStore.projectorCheckpoint).toBe(ready.eventStore.headPosition);
      expect(reactors.map((reactor) => reactor?.position)).toEqual([ready.eventStore.headPosition, ready.eventStore.headPosition]);
    }, 60_000);

    // A second connection to the same files (event store read through the key store), as the CLI in another process has.
    const events = await openDecodingEventStore(dataDir);
    const physical = new SqliteReadStore(join(dataDir, 'read-models.sqlite'));
    try {
      const live = new GenerationalReadStore(physical, 0);
      // A stray document the log does not explain: a rebuild must not carry it over.
      await live.applyBatch([{ kind: 'upsert', collection: 'customer360', doc: { id: 'ghost', lastPosition: 1, profile: {} } }]);

      const result = await blueGreenRebuild(events, physical, { currency: 'EUR', batchSize: 200 });
      expect(result).toMatchObject({ generation: 1, previous: 0, resumed: false });
      await eventually(async () => expect((await anonymous.get('/health/ready')).body.details.readStore.generation).toBe(1));

      const comparison = await compareReadModels(live, new GenerationalReadStore(physical, 1));
      expect(comparison.differences.map((d) => describeDifference(d, { left: 'generation 0', right: 'generation 1' }))).toEqual([
        'customer360/ghost: only in generation 0',
      ]);
      expect(comparison.compared).toBeGreaterThan(100);

      // New writes land in the new generation, read-your-writes included.
      const note = await support.post('/v1/interactions/notes', { customerId: 'demo-00001', noteId: 'after-switch', text: 'written after the switch', authorId: 'agent-9' });
      expect(note.status).toBe(201);
      const view = await support.get(`/v1/customers/demo-00001/timeline?minPosition=${note.body.position}`);
      expect(view.headers['x-chronicle-consistent']).toBe('true');
      expect(JSON.stringify(view.body)).toContain('after-switch');
      expect(await new GenerationalReadStore(physical, 1).getCheckpoint('chronicle-projector')).toBeGreaterThanOrEqual(note.body.position);
      expect(await new GenerationalReadStore(physical, 0).getCheckpoint('chronicle-projector')).toBeLessThan(note.body.position);

      expect(await dropInactiveGenerations(physical)).toEqual([0]);
      expect(await listGenerations(physical)).toEqual([{ generation: 1, position: expect.any(Number), active: true }]);
      expect(await physical.count('customer360', {})).toBe(0);
      expect((await support.get('/v1/customers/demo-00001')).status).toBe(200);
    } finally {
      await events.close();
      await physical.close();
      await chronicle.close();
      chronicle = undefined;
    }
  });

  it('runs one rebuild at a time: a second run and `rebuild drop` are refused while one holds the lease, naming it, and change nothing; a holder gone from this host is taken over', async () => {
    const dataDir = tempDir();
    const events = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    const physical = new SqliteReadStore(join(dataDir, 'read-models.sqlite'));
    const leases = new EventStoreLeaseStore(events);
    try {
      const customerId = 'c-lease';
      await events.append(`customer-${customerId}`, [{
        eventId: newEventId(), type: 'CustomerRegistered', data: { customerId, profile: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' } },
        metadata: { customerId, schemaVersion: 1, occurredAt: '2026-03-01T10:00:00.000Z', actor: { type: 'service', id: 'test' }, source: 'test', correlationId: newEventId(), causationId: null },
      }], { expectedRevision: 'no_stream' });
      await rebuildReadModels(events, new GenerationalReadStore(physical, 0), { currency: 'EUR' });
      // An unfinished generation 1, as a running rebuild leaves it.
      await physical.applyBatch([], { name: generationCheckpoint(PROJECTOR_NAME, 1), position: 0 });
      const before = await listGenerations(physical);
      const env = { DATA_DIR: dataDir, LOG_LEVEL: 'warn' };

      // Another host's rebuild holds the lease.
      expect(await leases.acquire(REBUILD_LEASE, 'rebuild-host-b:4242', 120_000)).toBe(true);
      for (const args of [['rebuild', '--fresh'], ['rebuild', 'drop']]) {
        const refused = startProcess('apps/cli/src/main.ts', args, env);
        expect({ args, exit: await refused.exited }).toEqual({ args, exit: 1 });
        expect(refused.lines.join('\n')).toMatch(/Another rebuild is running: rebuild-host-b:4242 holds the rebuild lease/);
      }
      expect(await listGenerations(physical)).toEqual(before);
      expect(await activeGeneration(physical)).toBe(0);

      // A holder of this host whose process is gone (killed): taken over at once.
      const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
      await leases.release(REBUILD_LEASE, 'rebuild-host-b:4242');
      expect(await leases.acquire(REBUILD_LEASE, `${hostname()}:${gone}`, 120_000)).toBe(true);
      const rebuilt = startProcess('apps/cli/src/main.ts', ['rebuild'], env);
      expect(await rebuilt.exited).toBe(0);
      expect(await activeGeneration(physical)).toBe(1);
      // Released when done: the next run needs no wait.
      expect(await leases.current(REBUILD_LEASE)).toBeNull();
      const dropped = startProcess('apps/cli/src/main.ts', ['rebuild', 'drop'], env);
      expect(await dropped.exited).toBe(0);
      expect((await listGenerations(physical)).map((g) => g.generation)).toEqual([1]);
    } finally {
      await events.close();
      await physical.close();
    }
  });

  it('killed (kill -9) midway leaves the live generation untouched; run again it resumes and equals a clean rebuild', async () => {
    const dataDir = tempDir();
    const events = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    const physical = new SqliteReadStore(join(dataDir, 'read-models.sqlite'));
    try {
      // A log big enough that the kill lands midway: 200 customers, 8,000 notes.
      const meta = (customerId: string): NewEvent['metadata'] => ({
        customerId, schemaVersion: 1, occurredAt: '2026-03-01T10:00:00.000Z', actor: { type: 'service', id: 'test' }, source: 'test', correlationId: newEventId(), causationId: null,
      });
      for (let c = 0; c < 200; c++) {
        const customerId = `c-${c}`;
        await events.append(`customer-${customerId}`, [{ eventId: newEventId(), type: 'CustomerRegistered', data: { customerId, profile: { firstName: `F${c}`, lastName: `L${c}`, email: `c${c}@example.com` } }, metadata: meta(customerId) }], { expectedRevision: 'no_stream' });
      }
      await Promise.all(
        Array.from({ length: 8_000 }, (_, n) => {
          const customerId = `c-${n % 200}`;
          return events.append(`note-n${n}`, [{ eventId: newEventId(), type: 'NoteAdded', data: { customerId, noteId: `n${n}`, text: `note ${n}`, authorId: 'agent-1' }, metadata: meta(customerId) }], { expectedRevision: 'no_stream' });
        }),
      );
      const head = await events.headPosition();
      // Generation 0 is live and complete.
      await rebuildReadModels(events, new GenerationalReadStore(physical, 0), { currency: 'EUR' });
      const liveBefore = await digest(new GenerationalReadStore(physical, 0));

      const env = { DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
      const first = startProcess('apps/cli/src/main.ts', ['rebuild', '--batch-size', '50'], env);
      await first.waitForLine(/^generation 1: position \d+ of \d+/);
      expect(await first.kill('SIGKILL')).toBe('SIGKILL');

      expect(await activeGeneration(physical)).toBe(0);
      const killedAt = (await listGenerations(physical)).find((g) => g.generation === 1)?.position ?? -1;
      expect(killedAt).toBeGreaterThan(0);
      expect(killedAt).toBeLessThan(head);
      expect(await digest(new GenerationalReadStore(physical, 0))).toBe(liveBefore);

      const second = startProcess('apps/cli/src/main.ts', ['rebuild'], env);
      expect(await second.exited).toBe(0);
      expect(second.lines.join('\n')).toMatch(/Resumed and finished generation 1 from \d+ events \(up to position \d+\).*it is live now \(was generation 0/);
      expect(await activeGeneration(physical)).toBe(1);

      const cleanDir = tempDir();
      const clean = new SqliteReadStore(join(cleanDir, 'read-models.sqlite'));
      try {
        await rebuildReadModels(events, clean, { currency: 'EUR' });
        const comparison = await compareReadModels(clean, new GenerationalReadStore(physical, 1));
        expect(comparison.differences.map((d) => describeDifference(d, { left: 'clean rebuild', right: 'resumed generation' }))).toEqual([]);
        expect(comparison.compared).toBeGreaterThan(8_000);
      } finally {
        await clean.close();
      }

      const status = startProcess('apps/cli/src/main.ts', ['rebuild', 'status'], env);
      expect(await status.exited).toBe(0);
      expect(status.lines).toEqual(expect.arrayContaining([`generation 0: checkpoint ${head}`, `generation 1 (live): checkpoint ${head}`]));
    } finally {
      await events.close();
      await physical.close();
    }
  });
});
