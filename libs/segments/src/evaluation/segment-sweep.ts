// Time passing changes segment membership without any event ("bought in the last 30 days" stops
// holding on day 31). The sweep re-evaluates every active time-bound segment for every customer.
import { PeriodicTask } from '@app/platform';
import type { Clock } from '@app/event-sourcing';
import type { EvaluationResult, SegmentEvaluator } from './segment-evaluator';

export interface SegmentSweepResult extends EvaluationResult {
  /** Time-bound segments swept. */
  readonly segments: number;
}

export class SegmentSweep {
  private readonly periodic = new PeriodicTask('SegmentSweep', () => this.sweep());

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
    this.periodic.start(intervalMs);
  }

  /** Stops the timer and waits for a sweep in progress. */
  stop(): Promise<void> {
    return this.periodic.stop();
  }
}
