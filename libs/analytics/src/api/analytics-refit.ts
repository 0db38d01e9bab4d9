// The scheduled refit: every ANALYTICS_REFIT_INTERVAL_MS the population snapshot of "now" (RFM cut
// points, BG/NBD and Gamma-Gamma) is computed afresh, and snapshots of past observation dates older
// than a week are dropped (they are computed again when asked for). A supervised periodic task that
// runs once across the processes sharing a lease store, where the process has one.
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap, Optional } from '@nestjs/common';
import type { Clock } from '@app/event-sourcing';
import { CLOCK, PeriodicTask, SINGLE_INSTANCE, SUPERVISOR, type SingleInstance, type Supervisor } from '@app/platform';
import { ANALYTICS_CONFIG, AnalyticsConfig } from './analytics-config';
import { POPULATION_SNAPSHOTS } from './analytics.queries';
import type { PopulationSnapshots } from './population-snapshots';

export const ANALYTICS_REFIT_PIPELINE = 'analytics-model-refit';
const KEEP_PAST_SNAPSHOTS_MS = 7 * 86_400_000;

@Injectable()
export class AnalyticsRefit implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AnalyticsRefit');
  private running = false;

  constructor(
    @Inject(ANALYTICS_CONFIG) private readonly config: AnalyticsConfig,
    @Inject(POPULATION_SNAPSHOTS) private readonly snapshots: PopulationSnapshots,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SUPERVISOR) private readonly supervisor: Supervisor,
    @Optional() @Inject(SINGLE_INSTANCE) private readonly singleInstance?: SingleInstance,
  ) {}

  /** One refit, as the schedule runs it. */
  async refitNow(): Promise<void> {
    const stored = await this.snapshots.refit();
    const pruned = await this.snapshots.prune(new Date(this.clock.now().getTime() - KEEP_PAST_SNAPSHOTS_MS));
    this.logger.log(`Refitted the population of ${stored.snapshot.asOf}: ${stored.snapshot.buyers} buyers in ${stored.snapshot.fitMs} ms; ${pruned} old snapshots dropped`);
  }

  async onApplicationBootstrap(): Promise<void> {
    const every = this.config.ANALYTICS_REFIT_INTERVAL_MS;
    if (every <= 0) return;
    await this.supervisor.run({
      name: ANALYTICS_REFIT_PIPELINE,
      // Due an interval after the stored snapshot was computed (at once when that is past: a process
      // restarted more often than the interval refits all the same); a fresh store waits an interval,
      // the snapshot being computed on the first read that needs it.
      work: new PeriodicTask(() => this.refitNow(), every, {
        firstRunIn: async () => {
          const stored = await this.snapshots.stored();
          return stored ? Date.parse(stored.computedAt) + every - this.clock.now().getTime() : every;
        },
      }),
      ...(this.singleInstance ? { singleInstance: this.singleInstance } : {}),
    });
    this.running = true;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.running) await this.supervisor.stop(ANALYTICS_REFIT_PIPELINE);
    this.running = false;
  }
}
