// Runs the EventStore, IdempotencyKeys, SessionRevocations, SnapshotStore and AccessLog contract suites on a real EventStoreDB: the one at EVENTSTORE_URL, or one that
// testcontainers starts when it finds a Docker engine. Without either it says so once and runs nothing.
import { execFileSync } from 'node:child_process';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { FixedClock } from '@app/event-sourcing';
import type { IdempotencyKeys } from '../idempotency-keys.port';
import { describeEventStoreContract } from '../testing/event-store.contract';
import { describeIdempotencyKeysContract } from '../testing/idempotency-keys.contract';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import { EventStoreDbIdempotencyKeys } from './eventstoredb-idempotency-keys';
import { EventStoreDbSessionRevocations } from './eventstoredb-session-revocations';
import type { SessionRevocations } from '../session-revocations.port';
import { describeSessionRevocationsContract } from '../testing/session-revocations.contract';
import type { SnapshotStore } from '../snapshot-store.port';
import { describeSnapshotStoreContract } from '../testing/snapshot-store.contract';
import { EventStoreDbSnapshotStore } from './eventstoredb-snapshot-store';
import { EventStoreDbLogSealer } from './eventstoredb-log-sealer';
import { EventStoreDbAccessLog } from './eventstoredb-access-log';
import { describeAccessLogContract } from '../testing/access-log.contract';
import { randomUUID } from 'node:crypto';
import { eventually } from '../../../../test/support/eventually';

const IMAGE = 'eventstore/eventstore:24.10';
const HTTP_PORT = 2113;

type Engine = { kind: 'url'; url: string } | { kind: 'docker' } | { kind: 'none'; reason: string };

/**
 * Jest registers tests synchronously, but testcontainers' runtime detection is asynchronous: ask it in a
 * short-lived child process so the answer is known before any test is registered.
 */
function findEngine(): Engine {
  const url = process.env.EVENTSTORE_URL;
  if (url) return { kind: 'url', url };
  const probe = [
    `require(${JSON.stringify(require.resolve('testcontainers'))}).getContainerRuntimeClient().then(`,
    '  () => process.exit(0),',
    '  (error) => { process.stderr.write(String((error && error.message) || error).split("\\n")[0]); process.exit(1); });',
  ].join('\n');
  try {
    execFileSync(process.execPath, ['-e', probe], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
    return { kind: 'docker' };
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return { kind: 'none', reason: stderr || (error instanceof Error ? error.message : String(error)) };
  }
}

const engine = findEngine();

if (engine.kind === 'none') {
  const line = `EventStoreDB contract suites (EventStore, IdempotencyKeys, SessionRevocations, SnapshotStore, AccessLog, sealer) SKIPPED: EVENTSTORE_URL is not set and no Docker engine was found (${engine.reason})`;
  process.stderr.write(`${line}\n`);
  describe.skip(line, () => {
    it('runs the EventStore and IdempotencyKeys contract suites against EventStoreDB', () => undefined);
  });
} else {
  describe(`EventStoreDbEventStore on ${engine.kind === 'url' ? engine.url : IMAGE}`, () => {
    let container: StartedTestContainer | undefined;
    let connectionString = engine.kind === 'url' ? engine.url : '';

    beforeAll(async () => {
      if (engine.kind !== 'docker') return;
      container = await new GenericContainer(IMAGE)
        .withEnvironment({
          EVENTSTORE_INSECURE: 'true',
          EVENTSTORE_RUN_PROJECTIONS: 'None',
          EVENTSTORE_MEM_DB: 'true',
        })
        .withExposedPorts(HTTP_PORT)
        .withWaitStrategy(Wait.forHttp('/health/live', HTTP_PORT).forStatusCode(204))
        .withStartupTimeout(120_000)
        .start();
      connectionString = `esdb://${container.getHost()}:${container.getMappedPort(HTTP_PORT)}?tls=false`;
    }, 180_000);

    afterAll(async () => {
      await container?.stop();
    });

    describeEventStoreContract('EventStoreDbEventStore', async () => {
      const store = new EventStoreDbEventStore(connectionString);
      return { store, dispose: () => store.close() };
    });

    describe('the sealer (global chain and by-customer pointers)', () => {
      it('seals what was appended; verify walks both chains; a customer\'s events come from the pointers', async () => {
        const store = new EventStoreDbEventStore(connectionString);
        const sealer = new EventStoreDbLogSealer(connectionString, { pollIntervalMs: 20 });
        const abort = new AbortController();
        try {
          const customerId = `sealed-${randomUUID()}`;
          const meta = { customerId, schemaVersion: 1, occurredAt: '2026-03-01T00:00:00.000Z', actor: { type: 'service' as const, id: 'spec' }, source: 'spec', correlationId: randomUUID(), causationId: null };
          for (let n = 0; n < 3; n++) {
            await store.append(`note-${randomUUID()}`, [{ eventId: randomUUID(), type: 'NoteAdded', data: { customerId, n }, metadata: meta }], { expectedRevision: 'no_stream' });
          }
          const head = await store.headPosition();
          let started!: () => void;
          const ready = new Promise<void>((resolve) => (started = resolve));
          const running = sealer.run({ signal: abort.signal, ready: started });
          await ready;
          // Until the sealer has sealed up to the head; every chain verifies on the way.
          await eventually(async () => {
            const verification = await store.verifyLog();
            expect(verification.ok).toBe(true);
            expect(verification.head?.position ?? 0).toBeGreaterThanOrEqual(head);
          }, 60_000);
          expect((await store.queryLog({ customerId })).map((event) => (event.data as { n: number }).n)).toEqual([0, 1, 2]);
          abort.abort();
          await running;
        } finally {
          abort.abort();
          await sealer.close();
          await store.close();
        }
      }, 60_000);
    });

    describeAccessLogContract('EventStoreDbAccessLog', async () => {
      const log = new EventStoreDbAccessLog(connectionString);
      const opened = [log];
      return {
        log,
        reopen: () => {
          const other = new EventStoreDbAccessLog(connectionString);
          opened.push(other);
          return other;
        },
        dispose: async () => {
          for (const one of opened) await one.close();
        },
      };
    });

    describeSessionRevocationsContract('EventStoreDbSessionRevocations', async () => {
      const events = new EventStoreDbEventStore(connectionString);
      const opened: SessionRevocations[] = [];
      return {
        events,
        open: () => {
          const revocations = new EventStoreDbSessionRevocations(connectionString);
          opened.push(revocations);
          return revocations;
        },
        dispose: async () => {
          await Promise.all(opened.map((revocations) => revocations.close()));
          await events.close();
        },
      };
    });

    describeSnapshotStoreContract('EventStoreDbSnapshotStore', async () => {
      const events = new EventStoreDbEventStore(connectionString);
      const opened: SnapshotStore[] = [];
      return {
        events,
        open: () => {
          const snapshots = new EventStoreDbSnapshotStore(connectionString);
          opened.push(snapshots);
          return snapshots;
        },
        dispose: async () => {
          await Promise.all(opened.map((snapshots) => snapshots.close()));
          await events.close();
        },
      };
    });

    describeIdempotencyKeysContract('EventStoreDbIdempotencyKeys', async () => {
      const events = new EventStoreDbEventStore(connectionString);
      const clock = new FixedClock(new Date('2026-03-01T00:00:00.000Z'));
      const opened: IdempotencyKeys[] = [];
      return {
        events,
        clock,
        open: () => {
          const keys = new EventStoreDbIdempotencyKeys(connectionString, { clock });
          opened.push(keys);
          return keys;
        },
        dispose: async () => {
          await Promise.all(opened.map((keys) => keys.close()));
          await events.close();
        },
      };
    });
  });
}
