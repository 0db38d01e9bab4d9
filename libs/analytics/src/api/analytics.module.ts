import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AnalyticsController, CustomerAnalyticsController } from './analytics.controller';
import { ANALYTICS_CONFIG, loadAnalyticsConfig } from './analytics-config';
import {
  ExportCustomersHandler, GetCustomerAnalyticsHandler, GetKpisHandler, GetRfmDistributionHandler, GetServiceMetricsHandler,
} from './analytics.queries';

const controllers = [AnalyticsController, CustomerAnalyticsController];
const handlers = [GetKpisHandler, GetServiceMetricsHandler, GetRfmDistributionHandler, GetCustomerAnalyticsHandler, ExportCustomersHandler];

/**
 * Analytics over HTTP. Needs the platform's READ_STORE, CHRONICLE_CONFIG and CLOCK. Imported as is,
 * it reads ANALYTICS_* from process.env; `forRoot(env)` takes the environment the process started with.
 */
@Module({
  imports: [CqrsModule],
  controllers,
  providers: [...handlers, { provide: ANALYTICS_CONFIG, useFactory: () => loadAnalyticsConfig(process.env) }],
})
export class AnalyticsModule {
  static forRoot(env: Record<string, string | undefined>): DynamicModule {
    // Adds to the static metadata; this ANALYTICS_CONFIG provider replaces the process.env one.
    return { module: AnalyticsModule, providers: [{ provide: ANALYTICS_CONFIG, useFactory: () => loadAnalyticsConfig(env) }] };
  }
}
