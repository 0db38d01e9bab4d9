// A job run every interval, one run at a time, as a supervised pipeline: a failed run ends the
// pipeline's run, the supervisor retries it after a backoff, and the retry runs the job at once
// instead of waiting a whole interval.
import { pause, type PipelineRun, type PipelineWork } from '../supervision/supervisor';

export class PeriodicTask implements PipelineWork {
  private retryDue = false;

  constructor(
    private readonly job: () => Promise<unknown>,
    private readonly intervalMs: number,
  ) {}

  async run({ signal, ready }: PipelineRun): Promise<void> {
    ready();
    while (!signal.aborted) {
      if (!this.retryDue) await pause(this.intervalMs, signal);
      if (signal.aborted) return;
      this.retryDue = true;
      await this.job();
      this.retryDue = false;
    }
  }
}
