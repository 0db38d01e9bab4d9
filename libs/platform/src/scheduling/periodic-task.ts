// Runs an async job every interval, one run at a time, and waits for a run in progress on stop.
import { Logger } from '@nestjs/common';

export class PeriodicTask {
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(name: string, private readonly job: () => Promise<unknown>) {
    this.logger = new Logger(name);
  }

  /** Runs the job every `intervalMs`, skipping a tick while the previous run is still going; 0 disables it. */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.job()
        .catch((error: unknown) => this.logger.error(`Run failed: ${error instanceof Error ? error.message : String(error)}`))
        .finally(() => {
          this.running = undefined;
        });
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
