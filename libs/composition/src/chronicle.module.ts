// Composes a Chronicle process from its role: which HTTP modules it serves, which pipelines it runs
// (embedded projector, or Kafka relay and projector), and which adapters back the ports.
import {
  type BeforeApplicationShutdown, type DynamicModule, Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown, Optional, type Provider,
} from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Clock, RecordedEvent } from '@app/event-sourcing';
import { ACCESS_LOG, EVENT_STORE, fingerprintKey, IDEMPOTENCY_KEYS, SESSION_REVOCATIONS, SNAPSHOT_STORE, type AccessLog, type EventStore, type IdempotencyKeys, type SessionRevocations, type SnapshotStore } from '@app/event-store';
import { GenerationalReadStore, READ_STORE, type Checkpoint, type ReadStore } from '@app/read-store';
import {
  APPLIED_EVENTS, APPLIED_WATERMARK, BATCH_RUNNER, CLOCK, CommandExecutor, ConfigError, IDEMPOTENCY_FINGERPRINT_KEY, loadSessionSecret, pause, PlatformModule, PROJECTION_PROGRESS, SINGLE_INSTANCE, SUPERVISOR, type AppliedWatermark, type ChronicleConfig, type PipelineSpec, type ProjectionProgress,
  READINESS_PROBES, type ReadinessProbe, type SingleInstance,
  type Supervisor,
} from '@app/platform';
import { EventStoreCheckpointStore, EventStoreLeaseStore, PartitionWatermarks, ProjectorRunner, StoredCheckpointProgress } from '@app/transport';
import type { KafkaProjector } from '@app/transport/kafka';
import { CUSTOMER_NAMES, CustomersCommandModule, REGISTERED_CUSTOMERS } from '@app/customers';
import { InteractionsCommandModule } from '@app/interactions';
import { TicketsCommandModule, TicketsQueryModule } from '@app/tickets';
import {
  CUSTOMER_360_ENRICHER_FACTORY, CUSTOMER_360_ENRICHERS, CustomerViewQueryModule, ReadModelRegisteredCustomers, type Customer360Enricher, type Customer360EnricherFactory,
} from '@app/customer-view';
import {
  analyseCustomer, analyticsSettings, AnalyticsModule, CUSTOMER_ANALYTICS_COLLECTION, customerRecordOf, loadAnalyticsConfig, PopulationSnapshots, type CustomerAnalyticsDocument, type CustomerAnalyticsView,
} from '@app/analytics';
import type { CurrencyCode } from '@app/money';
import { loadLoyaltyConfig, LoyaltyModule } from '@app/loyalty';
import { CUSTOMER_SEGMENTS_COLLECTION, SegmentsModule, type CustomerSegmentsDocument } from '@app/segments';
import { LOYALTY_ACCOUNTS_COLLECTION, type LoyaltyAccountDocument } from '@app/loyalty';
import type { DataDirClaims } from './data-dir-claims';
import { AUDIT_PROJECTIONS, AuditModule, auditProjectionsProvider } from '@app/audit';
import { CachedKeyStore, KEY_STORE } from '@app/key-store';
import { PrivacyModule } from '@app/privacy';
import { kafkaTransport, openAccessLog, openEventStore, openIdempotencyKeys, openSessionRevocations, openSnapshotStore, openKeyStore, openLogSealer, openReadStore, openStoredEventStore, publishedEventStore, readerCodec, sqliteReadStoreWrites } from './engines';
import { chronicleProjections, PROJECTOR_NAME } from './read-models';
import { chronicleEventSchemas } from './event-schemas';
import { chronicleProjectorRunner, embeddedProjector } from './embedded-projection';
import { ProjectorThread } from './projector-thread/projector-thread';
import { BatchThread } from './batch-thread/batch-thread';

/**
 * `commands` and `queries`: the HTTP APIs. `projector`: read models from the log. `relay`: the log to
 * Kafka. `reactors`: the background work that needs both sides (the command executor and the read
 * store): the loyalty and segment reactors and the loyalty expiry, tier decay and segment time
 * sweeps, each once across the deployment by lease.
 */
export type ChroniclePart = 'commands' | 'queries' | 'projector' | 'relay' | 'reactors';

/** What a process runs, from CHRONICLE_ROLE and TRANSPORT. */
export function partsOf(config: ChronicleConfig): ReadonlySet<ChroniclePart> {
  const kafka = config.TRANSPORT === 'kafka';
  switch (config.CHRONICLE_ROLE) {
    case 'all':
      return new Set<ChroniclePart>(kafka ? ['commands', 'queries', 'projector', 'reactors', 'relay'] : ['commands', 'queries', 'projector', 'reactors']);
    case 'worker':
      return new Set<ChroniclePart>(kafka ? ['reactors', 'relay'] : ['reactors']);
    case 'command-api':
      return new Set(['commands']);
    case 'query-api':
      return new Set(['queries']);
    case 'projector':
      return new Set(['projector']);
    case 'relay':
      if (!kafka) throw new ConfigError(['CHRONICLE_ROLE="relay": needs TRANSPORT=kafka (the embedded transport has no relay)']);
      return new Set(['relay']);
  }
}

const RUNNER = Symbol('ProjectorRunner');
const PROJECTOR_THREAD = Symbol('ProjectorThread');
const BATCH_THREAD = Symbol('BatchThread');

const CLAIMS = Symbol('DataDirClaims');

/** How often a query waiting for a position reads the applied watermark with Kafka (one read of the checkpoints). */
const KAFKA_PROGRESS_POLL_MS = 10;

/** Longest a read of the applied watermark is shared by every stream that asks for it meanwhile. */
const WATERMARK_SHARED_MS = 200;

/**
 * How far the read models got along the global log, as the read store says (see AppliedWatermark):
 * the embedded projector applies in log order and stores its checkpoint with its documents; with
 * Kafka, the least of the partitions' watermarks.
 */
function storedWatermark(config: ChronicleConfig, store: ReadStore): AppliedWatermark {
  return config.TRANSPORT === 'kafka' ? new PartitionWatermarks(store, PROJECTOR_NAME) : { read: async () => (await store.getCheckpoint(PROJECTOR_NAME)) ?? 0 };
}

/** The stored watermark for the live streams: one read serves every stream polling within WATERMARK_SHARED_MS. */
function appliedWatermark(config: ChronicleConfig, store: ReadStore): AppliedWatermark {
  const source = storedWatermark(config, store);
  let shared: { readonly at: number; readonly value: Promise<number> } | undefined;
  return {
    read: () => {
      const now = Date.now();
      if (!shared || now - shared.at >= WATERMARK_SHARED_MS) {
        const value = source.read();
        shared = { at: now, value };
        // A failed read is not shared: the next caller reads again.
        value.catch(() => {
          if (shared?.value === value) shared = undefined;
        });
      }
      return shared.value;
    },
  };
}

/**
 * What the 360 view shows from other capabilities' read models: segment ids, loyalty standing, and the
 * customer's own value figures now (P(alive), predicted CLV and churn risk, against the latest
 * population snapshot; the rest is on GET /v1/customers/:id/analytics).
 */
function customer360Enrichers(liveStore: ReadStore, liveClock: Clock, env: Record<string, string | undefined>, config: ChronicleConfig): Customer360EnricherFactory {
  const settings = analyticsSettings(loadAnalyticsConfig(env));
  // The population (RFM cut points, fitted models) is the live one even for an auditor's view as of
  // an earlier instant: the store given there holds one customer's replayed read models, too few
  // to fit on. The customer's own facts come from the store given, as of the clock given.
  const snapshots = new PopulationSnapshots(liveStore, config.REPORTING_CURRENCY, liveClock, { checkpointName: PROJECTOR_NAME });
  return (store: ReadStore, clock: Clock): Customer360Enricher[] => [
    async (customerId) => {
      const doc = await store.get<CustomerAnalyticsDocument>(CUSTOMER_ANALYTICS_COLLECTION, customerId);
      if (!doc) return { value: null } satisfies Pick<Customer360Extras, 'value'>;
      const analysed = analyseCustomer(customerRecordOf(doc), await snapshots.current(), clock.now(), settings, config.REPORTING_CURRENCY);
      // Without the customer's profiling consent there are no value figures to show.
      if (analysed.profilingConsent !== true) return { value: null } satisfies Pick<Customer360Extras, 'value'>;
      // CLV is in the reporting currency, which the answer names beside it.
      return {
        value: {
          currency: analysed.currency,
          exponent: analysed.exponent,
          pAlive: analysed.model?.pAlive ?? null,
          lifetimeValueMinor: analysed.clv?.valueMinor ?? null,
          clv: analysed.clv,
          churnRisk: analysed.churnRisk,
        },
      } satisfies Pick<Customer360Extras, 'value'>;
    },
    async (customerId) =>
      ({ segmentIds: (await store.get<CustomerSegmentsDocument>(CUSTOMER_SEGMENTS_COLLECTION, customerId))?.segmentIds ?? [] }) satisfies Pick<Customer360Extras, 'segmentIds'>,
    async (customerId) => {
      const account = await store.get<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, customerId);
      return { loyalty: account ? { balance: account.balance, tier: account.tier } : null } satisfies Pick<Customer360Extras, 'loyalty'>;
    },
  ];
}

/** What the enrichers add to the 360 view (GET /v1/customers/:id answers Customer360View & Customer360Extras). */
export interface Customer360Extras {
  /** P(alive), CLV and churn risk in REPORTING_CURRENCY; null before the customer's first analytics fact or without their profiling consent. */
  readonly value: {
    readonly currency: CurrencyCode;
    readonly exponent: number;
    /** Null where the model has no figures for the customer. */
    readonly pAlive: number | null;
    /** Null where no CLV is predicted. */
    readonly lifetimeValueMinor: number | null;
    readonly clv: CustomerAnalyticsView['clv'];
    readonly churnRisk: CustomerAnalyticsView['churnRisk'];
  } | null;
  /** The segments the customer is in now. */
  readonly segmentIds: readonly string[];
  /** Null without a loyalty account. */
  readonly loyalty: { readonly balance: number; readonly tier: string | null } | null;
}

/**
 * Starts the pipelines (under the supervisor) after the stores are open, stops them before the
 * stores close, and releases the data folder's claim only once the stores are closed.
 */
@Injectable()
class Pipelines implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Pipelines');
  private readonly running: string[] = [];
  private readonly closeAfterShutdown: (() => Promise<void>)[] = [];

  constructor(
    @Inject('CHRONICLE_PARTS') private readonly parts: ReadonlySet<ChroniclePart>,
    @Inject('CHRONICLE_CONFIG_VALUE') private readonly config: ChronicleConfig,
    @Inject(SUPERVISOR) private readonly supervisor: Supervisor,
    @Optional() @Inject(EVENT_STORE) private readonly eventStore?: EventStore,
    @Optional() @Inject(READ_STORE) private readonly readStore?: ReadStore,
    @Optional() @Inject(RUNNER) private readonly runner?: ProjectorRunner,
    @Optional() @Inject(SINGLE_INSTANCE) private readonly single?: SingleInstance,
    @Optional() @Inject(IDEMPOTENCY_KEYS) private readonly idempotencyKeys?: IdempotencyKeys,
    @Optional() @Inject(ACCESS_LOG) private readonly accessLog?: AccessLog,
    @Optional() @Inject(SESSION_REVOCATIONS) private readonly sessionRevocations?: SessionRevocations,
    @Optional() @Inject(KEY_STORE) private readonly keys?: CachedKeyStore,
    @Optional() @Inject(CLAIMS) private readonly claims?: DataDirClaims,
    @Optional() @Inject(SNAPSHOT_STORE) private readonly snapshots?: SnapshotStore,
    @Optional() private readonly executor?: CommandExecutor,
    @Optional() @Inject(PROJECTOR_THREAD) private readonly projectorThread?: ProjectorThread,
    @Optional() @Inject(BATCH_THREAD) private readonly batchThread?: BatchThread,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const transport = kafkaTransport(this.config);
    const kafka = transport?.createKafkaClient({ brokers: this.config.KAFKA_BROKERS as string, clientId: `chronicle-${this.config.CHRONICLE_ROLE}` });
    // Relay and embedded projector follow one checkpoint each: one instance across processes.
    const singleInstance = this.single ? { singleInstance: this.single } : {};
    if (this.parts.has('relay') && transport && kafka && this.eventStore) {
      // The relay publishes events as stored (personal values sealed), in their current schema version.
      const published = publishedEventStore(this.eventStore);
      const relay = new transport.KafkaRelay(published, new EventStoreCheckpointStore(published), kafka, {
        // One checkpoint per topic: a new topic (a new format version, more partitions) gets the whole log.
        name: `chronicle-relay-${this.config.KAFKA_TOPIC}`,
        topic: this.config.KAFKA_TOPIC,
        partitions: this.config.KAFKA_PARTITIONS,
        replicationFactor: this.config.KAFKA_REPLICATION_FACTOR,
        ...(this.config.KAFKA_MIN_INSYNC_REPLICAS !== undefined ? { minInsyncReplicas: this.config.KAFKA_MIN_INSYNC_REPLICAS } : {}),
      });
      await this.supervise({ name: 'kafka-relay', work: relay, ...singleInstance });
    }
    // EventStoreDB's global hash chain is sealed after the fact by one instance across processes;
    // SQLite chains the log inside every append and needs no sealer.
    const sealer = (this.parts.has('commands') || this.parts.has('relay') || this.parts.has('reactors')) && this.single ? openLogSealer(this.config) : undefined;
    if (sealer) {
      await this.supervise({ name: 'log-sealer', work: { run: (context) => sealer.run(context), lag: () => sealer.lag() }, ...singleInstance });
      this.closeAfterShutdown.push(() => sealer.close());
    }
    const runner = this.runner;
    const generations = this.readStore instanceof GenerationalReadStore ? this.readStore : undefined;
    let projectorSpec: PipelineSpec | undefined;
    const thread = this.projectorThread;
    if (this.parts.has('projector') && thread) {
      projectorSpec = { name: 'embedded-projector', work: thread, ...singleInstance };
      // After the supervisor stopped its run (beforeApplicationShutdown), before this thread's stores close.
      this.closeAfterShutdown.push(() => thread.close());
      await this.supervise(projectorSpec);
    } else if (this.parts.has('projector') && runner) {
      const keys = this.keys;
      if (transport && kafka && keys) {
        // Scaled by the consumer group, not by a lease. Each read-model generation has a group of its
        // own: a generation a rebuild made live starts its group at the beginning of the topic, and
        // the position guard skips what the rebuild already applied.
        let projector: KafkaProjector | undefined;
        projectorSpec = {
          name: 'kafka-projector',
          work: {
            run: async (context) => {
              await runner.start();
              const generation = generations?.generation ?? 0;
              // Messages carry events as stored; the projections read them as the domain does.
              const codec = readerCodec(keys);
              const sink = {
                applyBatch: async (events: RecordedEvent[], alongside?: readonly Checkpoint[]) => runner.applyBatch([...(await codec.decode(events))], alongside),
                // After a failed write (a busy store), kafkajs' retry hands everything unwritten over again: no restart needed.
                recover: () => runner.recover(),
              };
              projector = new transport.KafkaProjector(sink, kafka, {
                groupId: transport.projectorGroupId(this.config.KAFKA_GROUP, generation),
                topic: this.config.KAFKA_TOPIC,
                sessionTimeout: this.config.KAFKA_SESSION_TIMEOUT_MS,
                heartbeatInterval: Math.floor(this.config.KAFKA_SESSION_TIMEOUT_MS / 3),
                partitionsInFlight: this.config.KAFKA_PROJECTOR_PARTITIONS_IN_FLIGHT,
                maxWaitTimeInMs: this.config.KAFKA_FETCH_MAX_WAIT_MS,
                // Each partition's watermark beside the documents: how far the read models got across partitions.
                ...(this.readStore ? { watermarks: new PartitionWatermarks(this.readStore, runner.name) } : {}),
              });
              await projector.run(context);
            },
            lag: async () => projector?.lag(),
          },
        };
      } else if (this.eventStore) {
        projectorSpec = { name: 'embedded-projector', work: embeddedProjector(this.eventStore, runner), ...singleInstance };
      }
      if (projectorSpec) await this.supervise(projectorSpec);
    }
    if (generations) await this.supervise(this.generationWatcher(generations, projectorSpec));
    if (this.running.length > 0) this.logger.log(`Running: ${this.running.join(', ')}`);
  }

  /**
   * Follows the live read-model generation: when a rebuild made another one live, the projector of
   * this process stops, the store moves over, and the projector starts again on the new generation
   * from its checkpoint; queries read the new generation from then on.
   */
  private generationWatcher(store: GenerationalReadStore, projector: PipelineSpec | undefined): PipelineSpec {
    const every = this.config.READ_MODEL_GENERATION_POLL_MS;
    return {
      name: 'read-model-generation',
      work: {
        run: async ({ signal, ready }) => {
          ready();
          while (!signal.aborted) {
            await pause(every, signal);
            if (signal.aborted) return;
            const live = await store.pointer();
            if (live === store.generation) continue;
            this.logger.log(`Read-model generation ${live} is live now (was ${store.generation}); switching`);
            if (projector) await this.supervisor.stop(projector.name);
            store.use(live);
            if (projector) await this.supervisor.run(projector);
          }
        },
      },
    };
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const name of this.running.splice(0).reverse()) await this.supervisor.stop(name);
  }

  private async supervise(spec: PipelineSpec): Promise<void> {
    this.running.push(spec.name);
    await this.supervisor.run(spec);
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      // Its batches under way finish, then its own stores close.
      await this.batchThread?.close();
      for (const close of this.closeAfterShutdown.splice(0)) await close();
      await this.accessLog?.close();
      await this.idempotencyKeys?.close();
      await this.sessionRevocations?.close();
      // Snapshot writes still under way finish (or fail, harmlessly) before their store closes.
      await this.executor?.snapshotsWritten();
      await this.snapshots?.close();
      await this.eventStore?.close();
      await this.readStore?.close();
      await this.keys?.close();
    } finally {
      this.claims?.release();
    }
  }
}

@Module({})
export class ChronicleModule {
  /**
   * `claims`: the data folder's claims this process took (claimDataDir); released after the stores
   * close. `batchThread`: this is the all-in-one process's batch thread (a command-api role without
   * the HTTP layer or background sweeps: batch-thread.worker.ts).
   */
  static forRoot(
    config: ChronicleConfig,
    options: { clock?: Clock; env?: Record<string, string | undefined>; claims?: DataDirClaims; batchThread?: boolean } = {},
  ): DynamicModule {
    const parts = partsOf(config);
    // Queries need it too: the audit routes read history through it, the access log lives beside it, and the subject access export reads every stream of the customer.
    const reactors = parts.has('reactors');
    const needsEventStore = parts.has('commands') || parts.has('queries') || parts.has('relay') || reactors || (parts.has('projector') && config.TRANSPORT === 'embedded');
    const needsReadStore = parts.has('queries') || parts.has('projector') || reactors;
    // Whoever reads or writes events in clear needs the data keys; a relay alone publishes ciphertext and never does.
    const needsKeys = parts.has('commands') || parts.has('queries') || parts.has('projector') || reactors;
    const inProcessProjector = parts.has('projector') && config.TRANSPORT === 'embedded';
    // The all-in-one process on SQLite files projects in a worker thread of its own (EMBEDDED_PROJECTOR).
    const projectorThread =
      inProcessProjector && config.CHRONICLE_ROLE === 'all' && config.EMBEDDED_PROJECTOR === 'thread' && config.EVENT_STORE === 'sqlite' && config.READ_STORE === 'sqlite';
    // And runs its batch requests in another (EMBEDDED_BATCHES), so they never hold up the reads.
    const batchThread =
      parts.has('commands') && config.CHRONICLE_ROLE === 'all' && config.EMBEDDED_BATCHES === 'thread' && config.EVENT_STORE === 'sqlite' && config.READ_STORE === 'sqlite';

    const providers: Provider[] = [
      { provide: 'CHRONICLE_PARTS', useValue: parts },
      { provide: 'CHRONICLE_CONFIG_VALUE', useValue: config },
      Pipelines,
      ...(options.claims ? [{ provide: CLAIMS, useValue: options.claims }] : []),
    ];
    const exported: (string | symbol | typeof CommandExecutor)[] = [];
    if (needsKeys) {
      providers.push({ provide: KEY_STORE, useFactory: () => openKeyStore(config) });
      // Readiness says whether it answers: with the key store down, every registration failed while the command API said ready (found from outside).
      providers.push({
        provide: READINESS_PROBES,
        useFactory: (keys: CachedKeyStore): ReadinessProbe[] => [{ name: 'keyStore', probe: async () => ({ pendingErasures: (await keys.pendingErasures(1)).length > 0 }) }],
        inject: [KEY_STORE],
      });
      exported.push(KEY_STORE, READINESS_PROBES);
    }
    if (needsEventStore) {
      providers.push(
        needsKeys
          ? { provide: EVENT_STORE, useFactory: (keys: CachedKeyStore) => openEventStore(config, keys), inject: [KEY_STORE] }
          : { provide: EVENT_STORE, useFactory: async () => publishedEventStore(await openStoredEventStore(config)) },
      );
      // Snapshots hold decoded states: only where the data keys are (to seal them), and only when on.
      const snapshots = needsKeys && config.SNAPSHOT_EVERY > 0;
      if (snapshots) providers.push({ provide: SNAPSHOT_STORE, useFactory: (keys: CachedKeyStore) => openSnapshotStore(config, keys), inject: [KEY_STORE] });
      const snapshotLog = new Logger('Snapshots');
      providers.push({
        provide: CommandExecutor,
        useFactory: (store: EventStore, snapshotStore?: SnapshotStore) =>
          new CommandExecutor(store, chronicleEventSchemas, {
            maxEventBytes: config.MAX_EVENT_BYTES,
            ...(snapshotStore
              ? { snapshots: { store: snapshotStore, every: config.SNAPSHOT_EVERY, onError: (error: unknown, streamId: string) => snapshotLog.warn(`${streamId}: ${String((error as Error)?.message ?? error)} (the command was answered; the stream is read whole until a snapshot is written)`) } }
              : {}),
          }),
        inject: snapshots ? [EVENT_STORE, SNAPSHOT_STORE] : [EVENT_STORE],
      });
      // Leases live in the event store, which every process of a deployment that runs pipelines shares.
      providers.push({
        provide: SINGLE_INSTANCE,
        useFactory: (store: EventStore): SingleInstance => ({ leases: new EventStoreLeaseStore(store), ttlMs: config.LEASE_TTL_MS }),
        inject: [EVENT_STORE],
      });
      exported.push(EVENT_STORE, CommandExecutor, SINGLE_INSTANCE, ...(snapshots ? [SNAPSHOT_STORE] : []));
    }
    if (parts.has('queries')) {
      providers.push({ provide: ACCESS_LOG, useFactory: () => openAccessLog(config) });
      providers.push(auditProjectionsProvider(chronicleProjections(config.REPORTING_CURRENCY)));
      exported.push(ACCESS_LOG, AUDIT_PROJECTIONS);
    }
    if (parts.has('commands') || parts.has('queries')) {
      // Console sign-outs: one API process records them, every other refuses the cookie (sessions.ts).
      providers.push({ provide: SESSION_REVOCATIONS, useFactory: () => openSessionRevocations(config) });
      exported.push(SESSION_REVOCATIONS);
    }
    if (parts.has('commands')) {
      // The key every command API fingerprints requests with (from the session secret they share), and
      // the store that keys the fingerprints of earlier versions with it.
      providers.push({ provide: IDEMPOTENCY_FINGERPRINT_KEY, useFactory: () => fingerprintKey(loadSessionSecret(config)) });
      providers.push({ provide: IDEMPOTENCY_KEYS, useFactory: (key: Buffer) => openIdempotencyKeys(config, key), inject: [IDEMPOTENCY_FINGERPRINT_KEY] });
      exported.push(IDEMPOTENCY_FINGERPRINT_KEY, IDEMPOTENCY_KEYS);
    }
    if (needsReadStore) {
      const writes = sqliteReadStoreWrites(config, parts.has('projector') && config.TRANSPORT === 'kafka');
      providers.push({ provide: READ_STORE, useFactory: () => openReadStore(config, { writes }) });
      providers.push({
        provide: CUSTOMER_360_ENRICHER_FACTORY,
        useFactory: (store: ReadStore, clock: Clock) => customer360Enrichers(store, clock, options.env ?? process.env, config),
        inject: [READ_STORE, CLOCK],
      });
      providers.push({
        provide: CUSTOMER_360_ENRICHERS,
        useFactory: (store: ReadStore, clock: Clock, enrichers: Customer360EnricherFactory) => enrichers(store, clock),
        inject: [READ_STORE, CLOCK, CUSTOMER_360_ENRICHER_FACTORY],
      });
      // Per-customer queries of every capability answer 404 for a customer the customer view does not know.
      providers.push({
        provide: REGISTERED_CUSTOMERS,
        useFactory: (store: ReadStore, progress?: ProjectionProgress, events?: EventStore) =>
          new ReadModelRegisteredCustomers(store, config.READ_WAIT_TIMEOUT_MS, progress, events ? () => events.headPosition() : undefined),
        inject: [READ_STORE, { token: PROJECTION_PROGRESS, optional: true }, { token: EVENT_STORE, optional: true }],
      });
      providers.push({ provide: CUSTOMER_NAMES, useExisting: REGISTERED_CUSTOMERS });
      providers.push({ provide: APPLIED_WATERMARK, useFactory: (store: ReadStore) => appliedWatermark(config, store), inject: [READ_STORE] });
      exported.push(APPLIED_WATERMARK);
      exported.push(READ_STORE, CUSTOMER_360_ENRICHERS, CUSTOMER_360_ENRICHER_FACTORY, REGISTERED_CUSTOMERS, CUSTOMER_NAMES);
    }
    if (projectorThread) {
      providers.push({
        provide: PROJECTOR_THREAD,
        useFactory: (events: EventStore, store: ReadStore) =>
          new ProjectorThread(config, events, { generation: () => (store instanceof GenerationalReadStore ? store.generation : 0) }),
        inject: [EVENT_STORE, READ_STORE],
      });
      // Read-your-writes and live updates wait on the thread's progress, as on an inline runner.
      providers.push({ provide: APPLIED_EVENTS, useExisting: PROJECTOR_THREAD }, { provide: PROJECTION_PROGRESS, useExisting: PROJECTOR_THREAD });
      exported.push(APPLIED_EVENTS, PROJECTION_PROGRESS);
    } else if (parts.has('projector')) {
      providers.push({ provide: RUNNER, useFactory: (store: ReadStore) => chronicleProjectorRunner(config, store), inject: [READ_STORE] });
      if (inProcessProjector) {
        // Live updates and read-your-writes follow the projector itself when it runs in this process on
        // the global order. A Kafka-fed runner does not: it applies only this member's partitions, each
        // at its own pace, so its "applied" is neither every event nor in order (the live streams poll
        // the read store up to the applied watermark instead).
        providers.push({ provide: APPLIED_EVENTS, useExisting: RUNNER }, { provide: PROJECTION_PROGRESS, useExisting: RUNNER });
        exported.push(APPLIED_EVENTS, PROJECTION_PROGRESS);
      }
    } else if (needsReadStore && config.TRANSPORT === 'embedded') {
      // The projector follows the global log in another process (the projector role on the same
      // read store): the checkpoint it stores with its documents says how far every read model got,
      // read once per poll for every query waiting (a Kafka-fed projector has no global position).
      providers.push({
        provide: PROJECTION_PROGRESS,
        useFactory: (store: ReadStore) => {
          const watermark = storedWatermark(config, store);
          return new StoredCheckpointProgress(() => watermark.read());
        },
        inject: [READ_STORE],
      });
      exported.push(PROJECTION_PROGRESS);
    }
    if (needsReadStore && config.TRANSPORT === 'kafka') {
      // With Kafka, every process reading the read models (one with a projector too: its runner applies
      // only its partitions) waits on the applied watermark, the least of the partitions' watermarks
      // the projectors store: a query after a write sees it in every read model, aggregates included.
      // Read afresh at each poll (not the live streams' shared read, which may be 200 ms old).
      providers.push({
        provide: PROJECTION_PROGRESS,
        useFactory: (store: ReadStore) => {
          const watermark = storedWatermark(config, store);
          // A query whose own documents are in answers then, whatever partition holds the watermark.
          return new StoredCheckpointProgress(() => watermark.read(), KAFKA_PROGRESS_POLL_MS, true);
        },
        inject: [READ_STORE],
      });
      exported.push(PROJECTION_PROGRESS);
    }

    if (batchThread) {
      providers.push({ provide: BATCH_THREAD, useFactory: () => new BatchThread(config, options.env ?? process.env) });
      providers.push({ provide: BATCH_RUNNER, useExisting: BATCH_THREAD });
      exported.push(BATCH_RUNNER);
    }

    const stores: DynamicModule = { module: ChronicleStoresModule, global: true, providers, exports: exported };
    return {
      module: ChronicleModule,
      imports: [
        PlatformModule.forRoot(config, { ...(options.clock ? { clock: options.clock } : {}), http: !options.batchThread }),
        CqrsModule.forRoot(),
        stores,
        ...(parts.has('commands') ? [CustomersCommandModule, InteractionsCommandModule, TicketsCommandModule] : []),
        ...(parts.has('commands') || parts.has('queries') || reactors
          ? [
              LoyaltyModule.forRoot({ currency: config.REPORTING_CURRENCY, env: options.env ?? process.env, commands: parts.has('commands'), queries: parts.has('queries'), background: reactors }),
              SegmentsModule.forRoot({
                env: options.env ?? process.env, commands: parts.has('commands'), queries: parts.has('queries'), background: reactors,
                // A segment may name the programme's tiers only: any other would match nobody.
                loyaltyTiers: loadLoyaltyConfig(options.env ?? process.env, config.REPORTING_CURRENCY).program.tiers.map((tier) => tier.name),
              }),
            ]
          : []),
        ...(parts.has('queries') ? [CustomerViewQueryModule, TicketsQueryModule, AnalyticsModule.forRoot({ env: options.env ?? process.env, projectorCheckpoint: PROJECTOR_NAME }), AuditModule] : []),
        ...(parts.has('commands') || parts.has('queries')
          ? [PrivacyModule.forRoot({ commands: parts.has('commands'), queries: parts.has('queries'), sweepIntervalMs: config.ERASURE_SWEEP_INTERVAL_MS, sweep: !options.batchThread })]
          : []),
      ],
    };
  }
}

@Module({})
class ChronicleStoresModule {}
