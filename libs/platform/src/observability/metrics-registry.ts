// The process's Prometheus registry, apart from the HTTP route that serves it (metrics.ts), so the parts
// that register gauges (the pipelines' supervisor) load no HTTP framework where they run without one
// (the projector thread of the all-in-one process).
import { collectDefaultMetrics, Registry } from 'prom-client';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'chronicle_' });
