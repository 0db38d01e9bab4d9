export * from './config/chronicle-config';
export * from './auth/roles';
export * from './auth/api-key-registry';
export * from './auth/api-key.guard';
export * from './errors/validation';
export * from './errors/problem.filter';
export * from './commands/command-context';
export * from './commands/command-executor';
export * from './consistency/read-your-writes';
export * from './http/command-context.decorator';
export * from './http/command-dtos';
export * from './http/id-param.decorator';
export * from './idempotency/idempotency.interceptor';
export * from './idempotency/idempotent-requests';
export * from './idempotency/request-fingerprint';


export * from './http/create-http-app';
export * from './observability/metrics';
export * from './observability/health.controller';
export * from './platform.module';
export * from './access/access-recorder';
export * from './scheduling/periodic-task';
export * from './supervision/supervisor';
export * from './supervision/lease';
export { liveSupervisors } from './supervision/pipeline-metrics';
