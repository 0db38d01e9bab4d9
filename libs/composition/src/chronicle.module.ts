// Composes a Chronicle process from its role: which HTTP modules it serves, which pipelines it runs
// (embedded projector, or Kafka relay and projector), and which adapters back the ports.
import {
  type BeforeApplicationShutdown, type DynamicModule, Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown, Optional, type Provider,
} from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Clock } from '@app/event-sourcing';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { READ_STORE, type ReadStore } from '@app/read-store';
import { APPLIED_EVENTS, CLOCK, CommandExecutor, PlatformModule, PROJECTION_PROGRESS, type ChronicleConfig } from '@app/platform';
import { EmbeddedProjector, ProjectorRunner } from '@app/transport';
import { createKafkaClient, EventStoreCheckpointStore, KafkaProjector, KafkaRelay } from '@app/transport/kafka';
import { CustomersCommandModule } from '@app/customers';
import { InteractionsCommandModule } from '@app/interactions';
import { TicketsCommandModule, TicketsQueryModule } from '@app/tickets';
import { CUSTOMER_360_ENRICHERS, CustomerViewQueryModule, type Customer360Enricher } from '@app/customer-view';
import {
  analyseCustomer, AnalyticsModule, clvParameters, CUSTOMER_ANALYTICS_COLLECTION, loadAnalyticsConfig, RfmPopulation, type CustomerAnalyticsDocument,
} from '@app/analytics';
import { LoyaltyModule } from '@app/loyalty';
import { CUSTOMER_SEGMENTS_COLLECTION, SegmentsModule, type CustomerSegmentsDocument } from '@app/segments';
import { LOYALTY_ACCOUNTS_COLLECTION, type LoyaltyAccountDocument } from '@app/loyalty';
import type { DataDirClaims } from './data-dir-claims';
import { openEventStore, openReadStore } from './engines';
import { chronicleProjections, PROJECTOR_NAME } from './read-models';

export type ChroniclePart = 'commands' | 'queries' | 'projector' | 'relay';

/** What a process runs, from CHRONICLE_ROLE and TRANSPORT. */
export function partsOf(config: ChronicleConfig): ReadonlySet<ChroniclePart> {
  const kafka = config.TRANSPORT === 'kafka';
  switch (config.CHRONICLE_ROLE) {
    case 'all':
      return new Set<ChroniclePart>(kafka ? ['commands', 'queries', 'projector', 'relay'] : ['commands', 'queries', 'projector']);
    case 'command-api':
      return new Set(['commands']);
    case 'query-api':
      return new Set(['queries']);
    case 'projector':
      return new Set(['projector']);
    case 'relay':
      if (!kafka) throw new Error('CHRONICLE_ROLE=relay needs TRANSPORT=kafka: the embedded transport has no relay');
      return new Set(['relay']);
  }
}

const RUNNER = Symbol('ProjectorRunner');

/**
 * Most events per embedded projector batch. A batch is one unbroken stretch of the event loop
 * (read, load documents, project, write ~5.7 documents per event), so its size bounds how long a
 * request waits behind a catch-up. Measured with bench/catchup.bench.ts on a shared 2-core machine:
 * 100 events take 50-130 ms (p50) where 2,000 held the loop for 0.6-3.4 s, at 60-75% of the
 * 2,000-event throughput (bench/README.md, "Catch-up").
 */
export const EMBEDDED_PROJECTOR_BATCH_SIZE = 100;
const CLAIMS = Symbol('DataDirClaims');

/**
 * What the 360 view shows from other capabilities' read models: segment ids, loyalty standing, and the
 * customer's own value figures (CLV and churn risk; RFM needs the whole population, so it stays on
 * GET /v1/customers/:id/analytics).
 */
function customer360Enrichers(store: ReadStore, clock: Clock, env: Record<string, string | undefined>): Customer360Enricher[] {
  const clv = clvParameters(loadAnalyticsConfig(env));
  const noPopulation = new RfmPopulation([]);
  return [
    async (customerId) => {
      const doc = await store.get<CustomerAnalyticsDocument>(CUSTOMER_ANALYTICS_COLLECTION, customerId);
      if (!doc) return { value: null };
      const analysed = analyseCustomer(doc, noPopulation, clock.now(), clv);
      return { value: { lifetimeValueMinor: analysed.clv.valueMinor, clv: analysed.clv, churnRisk: analysed.churnRisk } };
    },
    async (customerId) => ({ segmentIds: (await store.get<CustomerSegmentsDocument>(CUSTOMER_SEGMENTS_COLLECTION, customerId))?.segmentIds ?? [] }),
    async (customerId) => {
      const account = await store.get<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, customerId);
      return { loyalty: account ? { balance: account.balance, tier: account.tier } : null };
    },
  ];
}

/**
 * Starts the pipelines after the stores are open, stops them before the stores close, and releases
 * the data folder's claims only once the stores are closed.
 */
@Injectable()
class Pipelines implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Pipelines');
  private readonly running: { name: string; stop(): Promise<void> }[] = [];

  constructor(
    @Inject('CHRONICLE_PARTS') private readonly parts: ReadonlySet<ChroniclePart>,
    @Inject('CHRONICLE_CONFIG_VALUE') private readonly config: ChronicleConfig,
    @Optional() @Inject(EVENT_STORE) private readonly eventStore?: EventStore,
    @Optional() @Inject(READ_STORE) private readonly readStore?: ReadStore,
    @Optional() @Inject(RUNNER) private readonly runner?: ProjectorRunner,
    @Optional() @Inject(CLAIMS) private readonly claims?: DataDirClaims,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const kafka = this.config.TRANSPORT === 'kafka' ? createKafkaClient({ brokers: this.config.KAFKA_BROKERS as string, clientId: `chronicle-${this.config.CHRONICLE_ROLE}` }) : undefined;
    if (this.parts.has('relay') && kafka && this.eventStore) {
      const relay = new KafkaRelay(this.eventStore, new EventStoreCheckpointStore(this.eventStore), kafka, {
        name: 'chronicle-relay',
        topic: this.config.KAFKA_TOPIC,
        partitions: this.config.KAFKA_PARTITIONS,
      });
      await relay.start();
      this.running.push({ name: 'relay', stop: () => relay.stop() });
    }
    if (this.parts.has('projector') && this.runner) {
      await this.runner.start();
      if (kafka) {
        const projector = new KafkaProjector(this.runner, kafka, { groupId: this.config.KAFKA_GROUP, topic: this.config.KAFKA_TOPIC });
        await projector.start();
        this.running.push({ name: 'kafka projector', stop: () => projector.stop() });
      } else if (this.eventStore) {
        const projector = new EmbeddedProjector(this.eventStore, this.runner, { maxBatchSize: EMBEDDED_PROJECTOR_BATCH_SIZE });
        await projector.start();
        this.running.push({ name: 'embedded projector', stop: () => projector.stop() });
      }
    }
    if (this.running.length > 0) this.logger.log(`Running: ${this.running.map((r) => r.name).join(', ')}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const part of this.running.splice(0).reverse()) await part.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    try {
      await this.eventStore?.close();
      await this.readStore?.close();
    } finally {
      this.claims?.release();
    }
  }
}

@Module({})
export class ChronicleModule {
  /** `claims`: the data folder's claims this process took (claimDataDir); released after the stores close. */
  static forRoot(config: ChronicleConfig, options: { clock?: Clock; env?: Record<string, string | undefined>; claims?: DataDirClaims } = {}): DynamicModule {
    const parts = partsOf(config);
    const needsEventStore = parts.has('commands') || parts.has('relay') || (parts.has('projector') && config.TRANSPORT === 'embedded');
    const needsReadStore = parts.has('queries') || parts.has('projector');
    const inProcessProjector = parts.has('projector') && config.TRANSPORT === 'embedded';

    const providers: Provider[] = [
      { provide: 'CHRONICLE_PARTS', useValue: parts },
      { provide: 'CHRONICLE_CONFIG_VALUE', useValue: config },
      Pipelines,
      ...(options.claims ? [{ provide: CLAIMS, useValue: options.claims }] : []),
    ];
    const exported: (string | symbol | typeof CommandExecutor)[] = [];
    if (needsEventStore) {
      providers.push({ provide: EVENT_STORE, useFactory: () => openEventStore(config) });
      providers.push({ provide: CommandExecutor, useFactory: (store: EventStore) => new CommandExecutor(store), inject: [EVENT_STORE] });
      exported.push(EVENT_STORE, CommandExecutor);
    }
    if (needsReadStore) {
      providers.push({ provide: READ_STORE, useFactory: () => openReadStore(config) });
      providers.push({
        provide: CUSTOMER_360_ENRICHERS,
        useFactory: (store: ReadStore, clock: Clock) => customer360Enrichers(store, clock, options.env ?? process.env),
        inject: [READ_STORE, CLOCK],
      });
      exported.push(READ_STORE, CUSTOMER_360_ENRICHERS);
    }
    if (parts.has('projector')) {
      providers.push({ provide: RUNNER, useFactory: (store: ReadStore) => new ProjectorRunner(store, chronicleProjections, { name: PROJECTOR_NAME }), inject: [READ_STORE] });
      providers.push({ provide: APPLIED_EVENTS, useExisting: RUNNER });
      exported.push(APPLIED_EVENTS);
    }
    if (inProcessProjector) {
      // Read-your-writes waits on the projector itself when it runs in this process on the global order.
      providers.push({ provide: PROJECTION_PROGRESS, useExisting: RUNNER });
      exported.push(PROJECTION_PROGRESS);
    }

    const stores: DynamicModule = { module: ChronicleStoresModule, global: true, providers, exports: exported };
    return {
      module: ChronicleModule,
      imports: [
        PlatformModule.forRoot(config, { ...(options.clock ? { clock: options.clock } : {}) }),
        CqrsModule.forRoot(),
        stores,
        ...(parts.has('commands') ? [CustomersCommandModule, InteractionsCommandModule, TicketsCommandModule] : []),
        ...(parts.has('commands') || parts.has('queries')
          ? [
              LoyaltyModule.forRoot({ env: options.env ?? process.env, commands: parts.has('commands'), queries: parts.has('queries') }),
              SegmentsModule.forRoot({ env: options.env ?? process.env, commands: parts.has('commands'), queries: parts.has('queries') }),
            ]
          : []),
        ...(parts.has('queries') ? [CustomerViewQueryModule, TicketsQueryModule, AnalyticsModule.forRoot(options.env ?? process.env)] : []),
      ],
    };
  }
}

@Module({})
class ChronicleStoresModule {}
