// Prometheus metrics: HTTP request durations by route and status, plus whatever gauges parts register.
import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isUnder } from '../http/paths';
import { ApiAnswer } from '../openapi/api-answers';
import { Histogram } from 'prom-client';
import { Public } from '../auth/roles';
import { metricsRegistry } from './metrics-registry';

export const httpDuration = new Histogram({
  name: 'chronicle_http_request_duration_seconds',
  help: 'HTTP request duration by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});

/** The route label: the route's pattern, `/console` for the console's files, `unmatched` for anything else (bounded). */
function routeLabel(request: FastifyRequest): string {
  const route = request.is404 ? undefined : request.routeOptions.url;
  if (route !== undefined && !route.startsWith('/console')) return route;
  return isUnder(request.url, '/console') ? '/console' : 'unmatched';
}

/**
 * Records a response, measured at the HTTP layer (call it from the first onRequest hook): an
 * interceptor sees neither what guards and hooks answer (401, 403, 404, 405, the body checks) nor
 * the status an exception filter sets afterwards (it read 200 for a thrown 400), which is how 4xx
 * answers went missing from /metrics. A response that never finishes (the client left, a stream)
 * counts when it closes.
 */
export function recordHttpMetrics(request: FastifyRequest, reply: FastifyReply): void {
  const started = process.hrtime.bigint();
  const response = reply.raw;
  let recorded = false;
  const record = (): void => {
    if (recorded) return;
    recorded = true;
    const status = response.headersSent ? String(response.statusCode) : 'aborted';
    httpDuration.observe({ method: request.method, route: routeLabel(request), status }, Number(process.hrtime.bigint() - started) / 1e9);
  };
  response.once('finish', record);
  response.once('close', record);
}

@ApiTags('health')
@Controller('metrics')
export class MetricsController {
  @Get()
  @Public()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  @ApiOperation({ summary: 'Prometheus metrics: HTTP, pipelines (state, restarts, lag), process' })
  @ApiAnswer(200, { mediaType: 'text/plain' }, 'Prometheus text exposition format 0.0.4')
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
