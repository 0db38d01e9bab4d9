import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Clock } from '@app/event-sourcing';
import { READ_STORE, type ReadStore } from '@app/read-store';
import { CHRONICLE_CONFIG, CLOCK, type ChronicleConfig } from '@app/platform';
import { AnalyticsController, CustomerAnalyticsController } from './analytics.controller';
import { ANALYTICS_CONFIG, loadAnalyticsConfig } from './analytics-config';
import {
  ExportCustomersHandler, FitAnalyticsModelHandler, GetAnalyticsModelHandler, GetCustomerAnalyticsHandler, GetKpisHandler, GetRfmDistributionHandler,
  GetServiceMetricsHandler, POPULATION_SNAPSHOTS,
} from './analytics.queries';
import { AnalyticsRefit } from './analytics-refit';
import { PopulationSnapshots } from './population-snapshots';

const controllers = [AnalyticsController, CustomerAnalyticsController];
const handlers = [
  GetKpisHandler, GetServiceMetricsHandler, GetRfmDistributionHandler, GetCustomerAnalyticsHandler, ExportCustomersHandler, GetAnalyticsModelHandler, FitAnalyticsModelHandler,
];

export interface AnalyticsModuleOptions {
  /** Where ANALYTICS_* come from (default process.env). */
  readonly env?: Record<string, string | undefined>;
  /** The projector's checkpoint name, recorded with each snapshot as the position it saw. */
  readonly projectorCheckpoint?: string;
}

/**
 * Analytics over HTTP, and the scheduled refit of the population snapshot. Needs the platform's
 * READ_STORE, CHRONICLE_CONFIG, CLOCK and SUPERVISOR (SINGLE_INSTANCE where there is one).
 */
@Module({})
export class AnalyticsModule {
  static forRoot(options: AnalyticsModuleOptions = {}): DynamicModule {
    return {
      module: AnalyticsModule,
      imports: [CqrsModule],
      controllers,
      providers: [
        ...handlers,
        AnalyticsRefit,
        { provide: ANALYTICS_CONFIG, useFactory: () => loadAnalyticsConfig(options.env ?? process.env) },
        {
          provide: POPULATION_SNAPSHOTS,
          useFactory: (store: ReadStore, config: ChronicleConfig, clock: Clock) =>
            new PopulationSnapshots(store, config.REPORTING_CURRENCY, clock, options.projectorCheckpoint ? { checkpointName: options.projectorCheckpoint } : {}),
          inject: [READ_STORE, CHRONICLE_CONFIG, CLOCK],
        },
      ],
      exports: [POPULATION_SNAPSHOTS, ANALYTICS_CONFIG],
    };
  }
}
