// A job run every interval, one run at a time, as a supervised pipeline: a failed run ends the
// pipeline's run, the supervisor retries it after a backoff, and the retry runs the job at once
// instead of waiting a whole interval. The first run is at start unless the job says when it last ran:
// a process restarted more often than its interval (deploys, crashes) would otherwise never run it.
import { pause, type PipelineRun, type PipelineWork } from '../supervision/supervisor';

export interface PeriodicTaskOptions {
  /** How long after start the first run is due, in ms (default 0: at start), e.g. from when the job's result was last stored. */
  readonly firstRunIn?: () => Promise<number>;
}

export class PeriodicTask implements PipelineWork {
  private retryDue = false;

  constructor(
    private readonly job: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly options: PeriodicTaskOptions = {},
  ) {}

  async run({ signal, ready }: PipelineRun): Promise<void> {
    ready();
    let wait = this.retryDue ? 0 : Math.max(0, Math.min(this.intervalMs, (await this.options.firstRunIn?.()) ?? 0));
    while (!signal.aborted) {
      if (wait > 0) await pause(wait, signal);
      if (signal.aborted) return;
      this.retryDue = true;
      await this.job();
      this.retryDue = false;
      wait = this.intervalMs;
    }
  }
}
