// The production path recovers by itself: while commands keep coming, the Kafka broker is stopped and
// started again, then FerretDB (the read store) is; the relay and the Kafka projector show the failure
// in /health/ready (retrying, last error), recover without anyone restarting Chronicle, and the read
// models end equal to a clean rebuild from the event log, document by document. Runs on private
// engines (own ports and folder) so the shared engines of the other suites are never disturbed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@app/platform';
import { GenerationalReadStore, SqliteReadStore } from '@app/read-store';
import { MongoReadStore } from '@app/read-store/mongodb';
import { compareReadModels, describeDifference, openEventStore, openKeyStore, rebuildReadModels, startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient } from '../support/api-client';
import { eventually } from '../support/eventually';
import { PrivateEngines } from '../support/private-engines';
import { suiteWithoutEngine } from '../support/missing-engine';
import { apiKeysSetting } from '../support/api-keys';

jest.setTimeout(600_000);

const KEYS = { ingest: 'test-ingest-key-0123456789', support: 'test-support-key-0123456789' };
const RUN = `r${Date.now().toString(36)}`;
const provisioned = PrivateEngines.provisioned();
if (!provisioned) suiteWithoutEngine('Pipeline recovery e2e', 'the engines are not provisioned in .engines', 'npm run engines:up once');
const describeWithEngines = provisioned ? describe : describe.skip;

type PipelineStatus = { state: string; lastError?: { message: string } };

describeWithEngines('Pipelines recover from a broker and a read store that stop mid-stream (private Kafka + FerretDB)', () => {
  // Fixed ports below the ephemeral range (32768+): while these engines are stopped, no outgoing
  // connection of a suite running in parallel can take their ports (test/support/free-port.ts).
  const engines = new PrivateEngines({ kafka: 18092, kafkaController: 18093, mongo: 17018 });
  let dataDir: string;
  let chronicle: RunningChronicle | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-recovery-'));
    await engines.start('kafka', 'ferretdb');
    env = {
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'fatal',
      API_KEYS: apiKeysSetting(KEYS),
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: engines.kafkaBrokers,
      KAFKA_TOPIC: `recovery-${RUN}`,
      KAFKA_GROUP: `recovery-${RUN}`,
      KAFKA_PARTITIONS: '3',
      READ_STORE: 'mongodb',
      MONGO_URL: engines.mongoUrl,
      MONGO_DB: `recovery_${RUN}`,
      LOYALTY_SWEEP_INTERVAL_MS: '0',
      SEGMENTS_SWEEP_INTERVAL_MS: '0',
    };
    chronicle = await startChronicle(env);
  });

  afterAll(async () => {
    await chronicle?.close();
    await engines.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps taking commands, shows each outage in health, recovers, and ends equal to a clean rebuild', async () => {
    const app = chronicle as RunningChronicle;
    const ingest = new ApiClient(app.url, KEYS.ingest);
    const anonymous = new ApiClient(app.url);
    const pipelines = async (): Promise<Record<string, PipelineStatus>> => {
      const ready = await anonymous.get('/health/ready');
      return (ready.body.details ?? ready.body.error ?? {}).pipelines ?? ready.body.error?.pipelines ?? {};
    };

    for (let c = 0; c < 6; c++) {
      expect((await ingest.post('/v1/customers', { customerId: `c-${c}`, profile: { firstName: 'Rec', lastName: `Overy${c}` } })).status).toBe(201);
    }
    // Interactions keep coming before, during and after each outage: the event store takes them.
    // (A bounded number per phase: FerretDB 1.24 applies a few dozen documents a second.)
    let accepted = 0;
    const publish = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        const n = accepted;
        const response = await ingest.post('/v1/interactions/notes', { customerId: `c-${n % 6}`, noteId: `n-${n}`, text: `note ${n}`, authorId: 'agent-1' });
        expect(response.status).toBe(201);
        accepted++;
      }
    };

    await publish(15);
    await engines.stop('kafka');
    await publish(15);
    const relayDown = await eventually(async () => {
      const relay = (await pipelines())['kafka-relay'];
      expect(['retrying', 'failed']).toContain(relay?.state);
      return relay;
    }, 180_000);
    expect(relayDown?.lastError?.message).toBeTruthy();
    await publish(15);
    await engines.restart('kafka');
    await eventually(async () => {
      const now = await pipelines();
      expect([now['kafka-relay']?.state, now['kafka-projector']?.state]).toEqual(['running', 'running']);
    }, 180_000);

    await publish(15);
    await engines.stop('ferretdb');
    await publish(15);
    const projectorDown = await eventually(async () => {
      const ready = await anonymous.get('/health/ready');
      expect(ready.status).toBe(503); // the read store does not answer
      const projector = (await pipelines())['kafka-projector'];
      expect(['retrying', 'failed']).toContain(projector?.state);
      return projector;
    }, 180_000);
    expect(projectorDown?.lastError?.message).toBeTruthy();
    await publish(15);
    await engines.restart('ferretdb');
    await eventually(async () => expect((await pipelines())['kafka-projector']?.state).toBe('running'), 180_000);
    await publish(15);

    // Every accepted command is in the read models, exactly as a clean rebuild from the log has it.
    const config = loadConfig(env);
    const keys = await openKeyStore(config);
    const events = await openEventStore(config, keys);
    const live = new GenerationalReadStore(await MongoReadStore.connect(engines.mongoUrl, env.MONGO_DB as string), 0);
    const cleanDir = mkdtempSync(join(tmpdir(), 'chronicle-recovery-clean-'));
    const clean = new SqliteReadStore(join(cleanDir, 'read-models.sqlite'));
    try {
      await eventually(async () => {
        await rebuildReadModels(events, clean, { currency: config.REPORTING_CURRENCY });
        const comparison = await compareReadModels(clean, live);
        expect(comparison.differences.map((d) => describeDifference(d, { left: 'clean rebuild', right: 'live' }))).toEqual([]);
      }, 240_000);
      expect(await live.count('timeline', { type: 'NoteAdded' })).toBe(accepted);
    } finally {
      await events.close();
      await keys.close();
      await live.close();
      await clean.close();
      rmSync(cleanDir, { recursive: true, force: true });
    }
  });
});
