// The platform every Chronicle process shares: configuration, clock, API keys and roles, the error
// filter, structured logs, metrics and health.
import { type DynamicModule, Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { join } from 'node:path';
import { systemClock, type Clock } from '@app/event-sourcing';
import { CHRONICLE_CONFIG, type ChronicleConfig } from './config/chronicle-config';
import { API_KEY_REGISTRY, ApiKeyRegistry, type CreatedApiKey } from './auth/api-key-registry';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ProblemFilter } from './errors/problem.filter';
import { MetricsController } from './observability/metrics';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { HttpPipelineInterceptor } from './http/http-pipeline.interceptor';
import { RequestBodyInterceptor } from './http/request-body.interceptor';
import { LiveStreams } from './http/live-streams';
import { HealthController } from './observability/health.controller';
import { Supervisor, SUPERVISOR } from './supervision/supervisor';
import { AccessLogInterceptor, AccessRecorder } from './access/access-recorder';
import { CLOCK } from './platform.tokens';
import { SESSION_REVOCATIONS, type SessionRevocations } from '@app/event-store';
import { loadSessionSecret, SESSIONS, Sessions } from './auth/sessions';
import { IdentityController } from './auth/identity.controller';
import { BatchRoutes } from './commands/batch-routes';

export { CLOCK };

export function apiKeysFilePath(config: ChronicleConfig): string {
  return config.API_KEYS_FILE ?? join(config.DATA_DIR, 'api-keys.json');
}

/**
 * Keys from API_KEYS, else from the key file, followed as it changes. Without a key file, one key per
 * role is made in memory; startChronicle writes and shows them once the process listens
 * (ApiKeyRegistry.persistNewKeys, announceNewKeys).
 */
export function loadApiKeys(config: ChronicleConfig, clock: Clock): ApiKeyRegistry {
  if (config.API_KEYS) return ApiKeyRegistry.fromEnv(config.API_KEYS, clock.now());
  return ApiKeyRegistry.forFile(apiKeysFilePath(config), clock.now());
}

/** Shows keys made on first start, once: only their hashes are kept in the file. */
export function announceNewKeys(path: string, created: readonly CreatedApiKey[], write: (text: string) => void): void {
  if (created.length === 0) return;
  const lines = created.map(({ role, key }) => `  export CHRONICLE_${role.toUpperCase()}_KEY=${key}`);
  write(
    `\nFirst start: created one API key per role (only their hashes are stored in ${path}).\n` +
      `Copy them now, they are not shown again:\n${lines.join('\n')}\n\n`,
  );
}

/** A request URL without its query string. */
export function pathOnly(url: string | undefined): string | undefined {
  return url?.split('?')[0];
}

/** Stops whatever pipelines are still supervised once the modules that started them shut down. */
@Injectable()
class SupervisorShutdown implements OnApplicationShutdown {
  constructor(@Inject(SUPERVISOR) private readonly supervisor: Supervisor) {}

  async onApplicationShutdown(): Promise<void> {
    await this.supervisor.stopAll();
  }
}

@Global()
@Module({})
export class PlatformModule {
  static forRoot(config: ChronicleConfig, options: { clock?: Clock; http?: boolean } = {}): DynamicModule {
    const clock = options.clock ?? systemClock;
    const http = options.http ?? true;
    return {
      module: PlatformModule,
      imports: [
        LoggerModule.forRoot({
          // Without request logging, skip pino-http's per-request child logger altogether (it costs
          // more than the route itself on small commands).
          ...(config.LOG_REQUESTS ? {} : { forRoutes: [] }),
          pinoHttp: {
            level: config.LOG_LEVEL,
            autoLogging: config.LOG_REQUESTS,
            // No personal data in logs: a request line names the method and the path, never the query
            // string (a search by email or phone carries it there), headers or body.
            serializers: {
              req: (req: { id?: unknown; method?: string; url?: string }) => ({ id: req.id, method: req.method, url: pathOnly(req.url) }),
              res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
            },
          },
        }),
        ...(http ? [TerminusModule] : []),
      ],
      controllers: http ? [HealthController, MetricsController, IdentityController] : [],
      providers: [
        { provide: CHRONICLE_CONFIG, useValue: config },
        { provide: CLOCK, useValue: clock },
        { provide: SUPERVISOR, useFactory: () => new Supervisor() },
        SupervisorShutdown,
        BatchRoutes,
        ...(http
          ? [
              { provide: API_KEY_REGISTRY, useFactory: () => loadApiKeys(config, clock) },
              {
                provide: SESSIONS,
                useFactory: (revocations?: SessionRevocations) =>
                  new Sessions(loadSessionSecret(config), config.SESSION_IDLE_MINUTES * 60_000, config.SESSION_MAX_HOURS * 3_600_000, {
                    ...(revocations ? { revocations } : {}),
                    revocationCacheMs: config.SESSION_REVOCATION_CACHE_MS,
                  }),
                // Provided by the composition wherever the process serves the API (libs/composition).
                inject: [{ token: SESSION_REVOCATIONS, optional: true }],
              },
              { provide: APP_GUARD, useClass: ApiKeyGuard },
              { provide: APP_FILTER, useClass: ProblemFilter },
              // One global interceptor runs the body, idempotency and access-log steps in their order.
              // (Metrics are recorded at the HTTP layer: recordHttpMetrics, from createHttpApp's first hook.)
              RequestBodyInterceptor,
              IdempotencyInterceptor,
              AccessLogInterceptor,
              { provide: APP_INTERCEPTOR, useClass: HttpPipelineInterceptor },
              LiveStreams,
              AccessRecorder,
            ]
          : []),
        Logger,
      ],
      exports: [CHRONICLE_CONFIG, CLOCK, SUPERVISOR, BatchRoutes, ...(http ? [API_KEY_REGISTRY, LiveStreams, AccessRecorder] : [])],
    };
  }
}
