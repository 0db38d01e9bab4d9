// Time passing changes segment membership without any event ("bought in the last 30 days" stops
// holding on day 31). The sweep re-evaluates every active time-bound segment for every customer.
import type { Clock } from '@app/event-sourcing';
import type { EvaluationResult, SegmentEvaluator } from './segment-evaluator';

export interface SegmentSweepResult extends EvaluationResult {
  /** Time-bound segments swept. */
  readonly segments: number;
}

export class SegmentSweep {
  constructor(
    private readonly evaluator: SegmentEvaluator,
    private readonly clock: Clock,
  ) {}

  async sweep(now: Date = this.clock.now()): Promise<SegmentSweepResult> {
    const segments = await this.evaluator.activeSegments({ timeBound: true });
    const asOf = now.toISOString();
    const result = await this.evaluator.evaluateSegments(
      segments.map((s) => ({ segmentId: s.segmentId, rule: s.rule, purpose: s.purpose ?? null })),
      { reason: 'time-passed', trigger: `sweep:${asOf}`, causationId: null, now },
    );
    return { ...result, segments: segments.length };
  }
}
