// The segments capability as a Nest module: definition commands and queries over HTTP, plus the
// background work where this process has what it needs: the reactor (event store + read store +
// executor) and the time sweep (read store + executor). Needs CommandExecutor, EVENT_STORE and
// READ_STORE from the composition root; PROJECTION_PROGRESS when the projector follows the global log.
import { isISO31661Alpha2 } from 'class-validator';
import {
  type BeforeApplicationShutdown, type DynamicModule, Inject, Injectable, Logger, Module, type OnApplicationBootstrap, Optional, type Provider,
} from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Clock } from '@app/event-sourcing';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { READ_STORE, type ReadStore } from '@app/read-store';
import { CHRONICLE_CONFIG, CLOCK, CommandExecutor, type ChronicleConfig, PeriodicTask, SINGLE_INSTANCE, PROJECTION_PROGRESS, SUPERVISOR, type SingleInstance, type ProjectionProgress, type Supervisor } from '@app/platform';
import { EventReactor, EventStoreCheckpointStore } from '@app/transport';
import { SegmentEvaluator } from '../evaluation/segment-evaluator';
import { SegmentSweep } from '../evaluation/segment-sweep';
import { SEGMENT_REACTION_TYPES, SEGMENTS_REACTOR_NAME, segmentReaction } from '../evaluation/segment.reaction';
import { SEGMENT_EVENT_TYPES } from '../domain/segment.events';
import { readModelGate } from '../evaluation/read-model-gate';
import { loadSegmentsConfig, type SegmentsConfig } from './segments-config';
import { SEGMENT_RULE_VOCABULARY, SEGMENTS_ANALYTICS_SETTINGS, SEGMENTS_CONFIG } from './segments-tokens';
import type { RuleVocabulary } from '../domain/segment-rule';
import { analyticsSettings, loadAnalyticsConfig, type AnalyticsSettings } from '@app/analytics';
import { SegmentCommands } from './segment-commands';
import { ExecuteSegmentCommandHandler } from './segments.command-handler';
import { SegmentCommandController, SegmentQueryController } from './segments.controller';
import { GetCustomerSegmentsHandler, GetSegmentHandler, GetSegmentMembersHandler, ListSegmentsHandler, PreviewSegmentHandler } from './segments.queries';

export interface SegmentsModuleOptions {
  /** Where SEGMENTS_* come from (default process.env). */
  readonly env?: Record<string, string | undefined>;
  /** Serve define/change/archive over HTTP (default true). Needs CommandExecutor. */
  readonly commands?: boolean;
  /**
   * Run the membership reactor (needs EVENT_STORE and READ_STORE) and the time sweep (READ_STORE)
   * (default: as `commands`). Needs CommandExecutor. The split layout runs them in the worker role.
   */
  readonly background?: boolean;
  /** Serve the queries and the preview (default true). Needs READ_STORE. */
  readonly queries?: boolean;
  /**
   * The loyalty programme's tier names (LOYALTY_TIERS): a rule defined or previewed with
   * `loyaltyTier` may name these only (400 otherwise). Unset: any name is taken.
   */
  readonly loyaltyTiers?: readonly string[];
}

/** Starts the reactor and the sweep timer after the stores are open; stops them before they close. */
@Injectable()
export class SegmentsBackground implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SegmentsBackground');
  private reactor: EventReactor | undefined;
  private timeSweep: SegmentSweep | undefined;
  private segmentEvaluator: SegmentEvaluator | undefined;

  constructor(
    @Inject(SEGMENTS_CONFIG) private readonly config: SegmentsConfig,
    @Inject(SEGMENTS_ANALYTICS_SETTINGS) private readonly analytics: AnalyticsSettings,
    @Inject(CHRONICLE_CONFIG) private readonly chronicle: ChronicleConfig,
    @Inject(CommandExecutor) private readonly executor: CommandExecutor,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SUPERVISOR) private readonly supervisor: Supervisor,
    @Optional() @Inject(EVENT_STORE) private readonly eventStore?: EventStore,
    @Optional() @Inject(READ_STORE) private readonly readStore?: ReadStore,
    @Optional() @Inject(PROJECTION_PROGRESS) private readonly progress?: ProjectionProgress,
    @Optional() @Inject(SINGLE_INSTANCE) private readonly singleInstance?: SingleInstance,
  ) {}

  private readonly supervised: string[] = [];

  /** The running reactor, if this process runs one (for tests and health). */
  get segmentsReactor(): EventReactor | undefined {
    return this.reactor;
  }

  /** The time sweep, if this process has a read store. */
  get sweep(): SegmentSweep | undefined {
    return this.timeSweep;
  }

  get evaluator(): SegmentEvaluator | undefined {
    return this.segmentEvaluator;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.readStore) {
      // Each runs once across the processes sharing the event store (a lease), under the supervisor.
      const singleInstance = this.singleInstance;
      this.segmentEvaluator = new SegmentEvaluator(this.readStore, this.executor, this.chronicle.REPORTING_CURRENCY, {
        pageSize: this.config.SEGMENTS_PAGE_SIZE,
        clock: this.clock,
        analytics: this.analytics,
      });
      const sweep = new SegmentSweep(this.segmentEvaluator, this.clock);
      this.timeSweep = sweep;
      if (this.config.SEGMENTS_SWEEP_INTERVAL_MS > 0) {
        await this.supervise({
          name: 'segments-time-sweep',
          work: new PeriodicTask(() => sweep.sweep(), this.config.SEGMENTS_SWEEP_INTERVAL_MS),
          ...(singleInstance ? { singleInstance } : {}),
        });
      }
      if (this.eventStore && this.config.SEGMENTS_REACTOR) {
        const gate = readModelGate(this.readStore, this.progress, this.config.SEGMENTS_READ_WAIT_MS);
        this.reactor = new EventReactor(this.eventStore, new EventStoreCheckpointStore(this.eventStore), segmentReaction(this.segmentEvaluator, gate, this.clock), {
          name: SEGMENTS_REACTOR_NAME,
          maxBatchSize: this.config.SEGMENTS_REACTOR_BATCH_SIZE,
          types: SEGMENT_REACTION_TYPES,
          // Of a customer's other events it needs whose they are, not what they say: nothing is decrypted for them.
          contentOf: SEGMENT_EVENT_TYPES,
        });
        await this.supervise({ name: SEGMENTS_REACTOR_NAME, work: this.reactor, ...(singleInstance ? { singleInstance } : {}) });
      }
    }
    this.logger.log(
      `Segments: reactor ${this.reactor ? 'running' : 'off'}, sweep ${this.timeSweep && this.config.SEGMENTS_SWEEP_INTERVAL_MS > 0 ? `every ${this.config.SEGMENTS_SWEEP_INTERVAL_MS} ms` : 'off'}`,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const name of this.supervised.splice(0).reverse()) await this.supervisor.stop(name);
  }

  private async supervise(spec: Parameters<Supervisor['run']>[0]): Promise<void> {
    this.supervised.push(spec.name);
    await this.supervisor.run(spec);
  }
}

@Module({})
export class SegmentsModule {
  static forRoot(options: SegmentsModuleOptions = {}): DynamicModule {
    const config = loadSegmentsConfig(options.env ?? process.env);
    const commands = options.commands ?? true;
    const queries = options.queries ?? true;
    const background = options.background ?? commands;
    const providers: Provider[] = [
      { provide: SEGMENTS_CONFIG, useValue: config },
      { provide: SEGMENTS_ANALYTICS_SETTINGS, useValue: analyticsSettings(loadAnalyticsConfig(options.env ?? process.env)) },
      // Countries as registration checks them (class-validator's ISO 3166-1 alpha-2 list).
      { provide: SEGMENT_RULE_VOCABULARY, useValue: { ...(options.loyaltyTiers ? { loyaltyTiers: options.loyaltyTiers } : {}), isCountryCode: isISO31661Alpha2 } satisfies RuleVocabulary },
    ];
    if (commands) {
      providers.push(
        { provide: SegmentCommands, useFactory: (executor: CommandExecutor) => new SegmentCommands(executor), inject: [CommandExecutor] },
        ExecuteSegmentCommandHandler,
      );
    }
    if (background) providers.push(SegmentsBackground);
    if (queries) providers.push(ListSegmentsHandler, GetSegmentHandler, GetSegmentMembersHandler, GetCustomerSegmentsHandler, PreviewSegmentHandler);
    return {
      module: SegmentsModule,
      imports: [CqrsModule],
      controllers: [...(commands ? [SegmentCommandController] : []), ...(queries ? [SegmentQueryController] : [])],
      providers,
      exports: [SEGMENTS_CONFIG, ...(commands ? [SegmentCommands] : []), ...(background ? [SegmentsBackground] : [])],
    };
  }
}
