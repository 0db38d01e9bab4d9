// The privacy capability as a Nest module: forgetting (and finishing interrupted forgets, under the
// supervisor, once across processes) where commands run; the subject access export where queries
// run. Needs KEY_STORE, EVENT_STORE, CommandExecutor and READ_STORE from the composition root.
import {
  type BeforeApplicationShutdown, type DynamicModule, Inject, Injectable, Module, type OnApplicationBootstrap, Optional, type Provider,
} from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Clock } from '@app/event-sourcing';
import { EVENT_STORE, type EventStore } from '@app/event-store';
import { KEY_STORE, type KeyStore } from '@app/key-store';
import { CLOCK, CommandExecutor, SINGLE_INSTANCE, SUPERVISOR, type SingleInstance, type Supervisor } from '@app/platform';
import { Erasures } from '../erasure/erasures';
import { ERASURE_COMPLETION, ErasureCompletion } from '../erasure/erasure-completion';
import { ExportCustomerHandler } from '../export/customer-export';
import { ERASURES, ExportController, ForgetController } from './privacy.controller';

export interface PrivacyModuleOptions {
  /** Serve POST …/forget and finish interrupted forgets (needs CommandExecutor). */
  readonly commands: boolean;
  /** Serve GET …/export (needs READ_STORE). */
  readonly queries: boolean;
  /** How often to look for interrupted forgets, in ms. */
  readonly sweepIntervalMs: number;
  /** Look for interrupted forgets in this context (default with `commands`; not in a batch thread). */
  readonly sweep?: boolean;
}

const OPTIONS = Symbol('PrivacyModuleOptions');

@Injectable()
export class ErasureBackground implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private running = false;

  constructor(
    @Inject(ERASURES) private readonly erasures: Erasures,
    @Inject(OPTIONS) private readonly options: PrivacyModuleOptions,
    @Inject(SUPERVISOR) private readonly supervisor: Supervisor,
    @Optional() @Inject(SINGLE_INSTANCE) private readonly singleInstance?: SingleInstance,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.running = true;
    await this.supervisor.run({
      name: ERASURE_COMPLETION,
      work: new ErasureCompletion(this.erasures, this.options.sweepIntervalMs),
      ...(this.singleInstance ? { singleInstance: this.singleInstance } : {}),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.running) await this.supervisor.stop(ERASURE_COMPLETION);
    this.running = false;
  }
}

@Module({})
export class PrivacyModule {
  static forRoot(options: PrivacyModuleOptions): DynamicModule {
    const providers: Provider[] = [{ provide: OPTIONS, useValue: options }];
    if (options.commands) {
      providers.push(
        {
          provide: ERASURES,
          useFactory: (keys: KeyStore, executor: CommandExecutor, events: EventStore, clock: Clock) => new Erasures(keys, executor, events, clock),
          inject: [KEY_STORE, CommandExecutor, EVENT_STORE, CLOCK],
        },
        ...(options.sweep === false ? [] : [ErasureBackground]),
      );
    }
    if (options.queries) providers.push(ExportCustomerHandler);
    return {
      module: PrivacyModule,
      imports: [CqrsModule],
      controllers: [...(options.commands ? [ForgetController] : []), ...(options.queries ? [ExportController] : [])],
      providers,
      exports: options.commands ? [ERASURES] : [],
    };
  }
}
