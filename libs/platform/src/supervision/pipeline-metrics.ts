// Prometheus series of the supervised pipelines: state, restarts, and lag in events and seconds
// (asked of every live supervisor on each scrape).
import { Counter, Gauge } from 'prom-client';
import { metricsRegistry } from '../observability/metrics-registry';
import type { PipelineState, PipelineStatus } from './supervisor';

const STATES: readonly PipelineState[] = ['starting', 'running', 'retrying', 'failed', 'standby', 'stopped'];

/** Anything that can list its pipelines' statuses (the Supervisor). */
export interface StatusSource {
  statuses(withLag: boolean): Promise<PipelineStatus[]>;
}

/** Every supervisor of this process, for the scrape. */
export const liveSupervisors = new Set<StatusSource>();

const stateGauge = new Gauge({
  name: 'chronicle_pipeline_state',
  help: 'Supervised pipeline state: 1 for the current state, 0 for the others',
  labelNames: ['pipeline', 'state'] as const,
  registers: [metricsRegistry],
});

const restarts = new Counter({
  name: 'chronicle_pipeline_restarts_total',
  help: 'Restarts of a supervised pipeline after a failure',
  labelNames: ['pipeline'] as const,
  registers: [metricsRegistry],
});

async function collectLag(this: Gauge<'pipeline'>, pick: (status: PipelineStatus) => number | undefined): Promise<void> {
  this.reset();
  for (const supervisor of liveSupervisors) {
    for (const status of await supervisor.statuses(true)) {
      const value = pick(status);
      if (value !== undefined) this.set({ pipeline: status.name }, value);
    }
  }
}

new Gauge({
  name: 'chronicle_pipeline_lag_events',
  help: 'Events a pipeline still has to process',
  labelNames: ['pipeline'] as const,
  registers: [metricsRegistry],
  async collect() {
    await collectLag.call(this, (status) => status.lag?.events);
  },
});

new Gauge({
  name: 'chronicle_pipeline_lag_seconds',
  help: 'Age in seconds of the oldest event a pipeline has not processed yet (0 when caught up)',
  labelNames: ['pipeline'] as const,
  registers: [metricsRegistry],
  async collect() {
    await collectLag.call(this, (status) => status.lag?.seconds);
  },
});

new Gauge({
  name: 'chronicle_pipeline_alerts',
  help: 'Occurrences of an alert a pipeline raised and an operator has to handle (e.g. events the relay dead-lettered); 0 series are not listed',
  labelNames: ['pipeline', 'alert'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    for (const supervisor of liveSupervisors) {
      for (const status of await supervisor.statuses(false)) {
        for (const alert of status.alerts ?? []) this.set({ pipeline: status.name, alert: alert.code }, alert.count);
      }
    }
  },
});

export const pipelineMetrics = {
  state(pipeline: string, state: PipelineState): void {
    for (const candidate of STATES) stateGauge.set({ pipeline, state: candidate }, candidate === state ? 1 : 0);
  },
  restarted(pipeline: string): void {
    restarts.inc({ pipeline });
  },
};
