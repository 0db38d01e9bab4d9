// The loyalty capability as a Nest module: commands (redeem, adjust) and queries (account, history)
// over HTTP, plus the background work where this process has what it needs: the purchase → points
// reactor (event store) and the expiry sweep (read store). Needs the platform's CommandExecutor,
// EVENT_STORE and READ_STORE from the composition root.
import {
  type BeforeApplicationShutdown, type DynamicModule, Inject, Injectable, Logger, Module, type OnApplicationBootstrap, Optional, type Provider,
} from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Clock } from '@app/event-sourcing';
import type { CurrencyCode } from '@app/money';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { READ_STORE, type ReadStore } from '@app/read-store';
import { CLOCK, CommandExecutor, PeriodicTask, SINGLE_INSTANCE, SUPERVISOR, type SingleInstance, type Supervisor } from '@app/platform';
import type { LoyaltyProgram } from '../domain/loyalty-program';
import { EventReactor, EventStoreCheckpointStore } from '@app/transport';
import { LOYALTY_REACTION_TYPES, LOYALTY_REACTOR_NAME, loyaltyPurchaseReaction } from '../reactor/loyalty-purchase.reaction';
import { LoyaltyExpirySweep } from '../expiry/loyalty-expiry-sweep';
import { loadLoyaltyConfig, type LoyaltyConfig } from './loyalty-config';
import { LoyaltyCommands } from './loyalty-commands';
import { ExecuteLoyaltyCommandHandler } from './loyalty.command-handler';
import { LoyaltyCommandController, LoyaltyQueryController } from './loyalty.controller';
import { GetLoyaltyAccountHandler, GetLoyaltyHistoryHandler, LOYALTY_PROGRAM } from './loyalty.queries';

export const LOYALTY_CONFIG = Symbol('LoyaltyConfig');

export interface LoyaltyModuleOptions {
  /** The programme's currency: REPORTING_CURRENCY. */
  readonly currency: CurrencyCode;
  /** Where LOYALTY_* come from (default process.env). */
  readonly env?: Record<string, string | undefined>;
  /** Serve redemptions and adjustments over HTTP (default true). Needs CommandExecutor. */
  readonly commands?: boolean;
  /**
   * Run the purchase → points reactor (needs EVENT_STORE) and the expiry sweep (needs READ_STORE)
   * (default: as `commands`). Needs CommandExecutor. The split layout runs them in the worker role.
   */
  readonly background?: boolean;
  /** Serve the account and history queries (default true). Needs READ_STORE. */
  readonly queries?: boolean;
}

/** Starts the reactor and the sweep timer after the stores are open; stops them before they close. */
@Injectable()
export class LoyaltyBackground implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LoyaltyBackground');
  private reactor: EventReactor | undefined;
  private sweep: LoyaltyExpirySweep | undefined;

  constructor(
    @Inject(LOYALTY_CONFIG) private readonly config: LoyaltyConfig,
    @Inject(LoyaltyCommands) private readonly commands: LoyaltyCommands,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SUPERVISOR) private readonly supervisor: Supervisor,
    @Optional() @Inject(EVENT_STORE) private readonly eventStore?: EventStore,
    @Optional() @Inject(READ_STORE) private readonly readStore?: ReadStore,
    @Optional() @Inject(SINGLE_INSTANCE) private readonly singleInstance?: SingleInstance,
  ) {}

  private readonly supervised: string[] = [];

  /** The running reactor, if this process runs one (for tests and health). */
  get purchaseReactor(): EventReactor | undefined {
    return this.reactor;
  }

  /** The expiry sweep, if this process has a read store. */
  get expirySweep(): LoyaltyExpirySweep | undefined {
    return this.sweep;
  }

  async onApplicationBootstrap(): Promise<void> {
    // Each runs once across the processes sharing the event store (a lease), under the supervisor.
    const singleInstance = this.singleInstance;
    if (this.eventStore && this.config.LOYALTY_REACTOR) {
      this.reactor = new EventReactor(this.eventStore, new EventStoreCheckpointStore(this.eventStore), loyaltyPurchaseReaction(this.commands, undefined, this.clock), {
        name: LOYALTY_REACTOR_NAME,
        maxBatchSize: this.config.LOYALTY_REACTOR_BATCH_SIZE,
        types: LOYALTY_REACTION_TYPES,
      });
      await this.supervise({ name: LOYALTY_REACTOR_NAME, work: this.reactor, ...(singleInstance ? { singleInstance } : {}) });
    }
    if (this.readStore) {
      const sweep = new LoyaltyExpirySweep(this.readStore, this.commands, this.clock);
      this.sweep = sweep;
      if (this.config.LOYALTY_SWEEP_INTERVAL_MS > 0) {
        await this.supervise({
          name: 'loyalty-expiry-sweep',
          work: new PeriodicTask(() => sweep.scheduledSweep(), this.config.LOYALTY_SWEEP_INTERVAL_MS),
          ...(singleInstance ? { singleInstance } : {}),
        });
      }
    }
    this.logger.log(`Loyalty: reactor ${this.reactor ? 'running' : 'off'}, expiry sweep ${this.sweep && this.config.LOYALTY_SWEEP_INTERVAL_MS > 0 ? `every ${this.config.LOYALTY_SWEEP_INTERVAL_MS} ms` : 'off'}`);
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
export class LoyaltyModule {
  static forRoot(options: LoyaltyModuleOptions): DynamicModule {
    const { config, program } = loadLoyaltyConfig(options.env ?? process.env, options.currency);
    const commands = options.commands ?? true;
    const queries = options.queries ?? true;
    const background = options.background ?? commands;
    const providers: Provider[] = [
      { provide: LOYALTY_CONFIG, useValue: config },
      { provide: LOYALTY_PROGRAM, useValue: program },
    ];
    if (commands || background) {
      providers.push({ provide: LoyaltyCommands, useFactory: (executor: CommandExecutor, p: LoyaltyProgram) => new LoyaltyCommands(executor, p), inject: [CommandExecutor, LOYALTY_PROGRAM] });
    }
    if (commands) providers.push(ExecuteLoyaltyCommandHandler);
    if (background) providers.push(LoyaltyBackground);
    if (queries) providers.push(GetLoyaltyAccountHandler, GetLoyaltyHistoryHandler);
    return {
      module: LoyaltyModule,
      imports: [CqrsModule],
      controllers: [...(commands ? [LoyaltyCommandController] : []), ...(queries ? [LoyaltyQueryController] : [])],
      providers,
      exports: [LOYALTY_PROGRAM, ...(commands || background ? [LoyaltyCommands] : []), ...(background ? [LoyaltyBackground] : [])],
    };
  }
}
