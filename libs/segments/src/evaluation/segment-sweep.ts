// Time passing changes segment membership without any event ("bought in the last 30 days" stops
// holding on day 31). The sweep re-evaluates every active time-bound segment for every customer.
import { Logger } from '@nestjs/common';
import type { Clock } from '@app/event-sourcing';
import type { EvaluationResult, SegmentEvaluator } from './segment-evaluator';

export interface SegmentSweepResult extends EvaluationResult {
  /** Time-bound segments swept. */
  readonly segments: number;
}

export class SegmentSweep {
  private readonly logger = new Logger('SegmentSweep');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SegmentSweepResult> | undefined;

  constructor(
    private readonly evaluator: SegmentEvaluator,
    private readonly clock: Clock,
  ) {}

  async sweep(now: Date = this.clock.now()): Promise<SegmentSweepResult> {
    const segments = await this.evaluator.activeSegments({ timeBound: true });
    const asOf = now.toISOString();
    const result = await this.evaluator.evaluateSegments(
      segments.map((s) => ({ segmentId: s.segmentId, rule: s.rule })),
      { reason: 'time-passed', trigger: `sweep:${asOf}`, causationId: null, now },
    );
    return { ...result, segments: segments.length };
  }

  /** Sweeps every `intervalMs` (one sweep at a time); 0 disables the timer. */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep().finally(() => {
        this.running = undefined;
      });
      this.running.catch((error: unknown) => this.logger.error(`Sweep failed: ${error instanceof Error ? error.message : String(error)}`));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
