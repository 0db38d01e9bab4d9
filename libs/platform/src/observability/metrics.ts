// Prometheus metrics: HTTP request durations by route and status, plus whatever gauges parts register.
import { CallHandler, Controller, ExecutionContext, Get, Header, Injectable, NestInterceptor } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAnswer } from '../openapi/api-answers';
import type { Request, Response } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { Observable, tap } from 'rxjs';
import { Public } from '../auth/roles';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'chronicle_' });

export const httpDuration = new Histogram({
  name: 'chronicle_http_request_duration_seconds',
  help: 'HTTP request duration by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});

@Injectable()
export class HttpMetricsInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    const started = process.hrtime.bigint();
    const observe = () => {
      const route = (request.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const status = String(http.getResponse<Response>().statusCode);
      httpDuration.observe({ method: request.method, route, status }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    return next.handle().pipe(tap({ next: observe, error: observe }));
  }
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
