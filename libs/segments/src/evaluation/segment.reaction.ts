// Drives the evaluator from the global log (through the generic EventReactor): definition events
// re-evaluate their segment for everyone; a customer's catalogue events (and loyalty tier changes)
// re-evaluate that customer once per batch.
//
// Ordering choice: a batch is evaluated only after the read models include its last event (the
// `gate`), so facts, segment definitions and memberships are never older than the events that
// triggered the evaluation. If the read models do not get there in time the run stops to wait
// (PipelineWaitError: no failure) and the reactor redelivers the batch from its checkpoint —
// idempotent thanks to natural keys.
// Membership events never trigger evaluation (no feedback loop).
import type { Clock, RecordedEvent } from '@app/event-sourcing';
import { PipelineWaitError } from '@app/platform/supervision/supervisor';
import { CATALOGUE_EVENT_TYPES, isCatalogueEvent } from '@app/customer-view';
import type { ReactionHandler } from '@app/transport';
import type { SegmentRule } from '../domain/segment-rule';
import { isSegmentEvent } from '../projections/segment-event';
import { SEGMENT_EVENT_TYPES } from '../domain/segment.events';
import type { SegmentEvaluator } from './segment-evaluator';

export const SEGMENTS_REACTOR_NAME = 'segments-reactor';

/** Resolves true once the read models include these events (in log order, non-empty). */
export type ReadModelGate = (events: readonly RecordedEvent[]) => Promise<boolean>;

/** Loyalty tier is a fact segments ask about; the other loyalty events do not change it. */
const ALSO_RELEVANT: ReadonlySet<string> = new Set(['TierChanged']);

export function affectsCustomerFacts(event: RecordedEvent): boolean {
  return isCatalogueEvent(event) || ALSO_RELEVANT.has(event.type);
}

/** What the reaction acts on: its subscription asks the store for these only (membership events, most loyalty events never come). */
export const SEGMENT_REACTION_TYPES: readonly string[] = [...SEGMENT_EVENT_TYPES, ...CATALOGUE_EVENT_TYPES, ...ALSO_RELEVANT];

export function segmentReaction(evaluator: SegmentEvaluator, gate: ReadModelGate, clock: Clock): ReactionHandler {
  return async (events) => {
    const relevant = events.filter((e) => isSegmentEvent(e) || affectsCustomerFacts(e));
    if (relevant.length === 0) return;
    const last = relevant[relevant.length - 1].position;
    // Waiting for the projector is no failure of this reactor: redelivered, readiness unaffected.
    if (!(await gate(relevant))) throw new PipelineWaitError(`Read models did not reach position ${last} in time; the batch will be redelivered`);
    const now = clock.now();
    for (const event of relevant) {
      if (!isSegmentEvent(event)) continue;
      const rule: SegmentRule | null = event.type === 'SegmentArchived' ? null : event.data.rule;
      const reason = event.type === 'SegmentDefined' ? 'segment-defined' : event.type === 'SegmentRuleChanged' ? 'rule-changed' : 'segment-archived';
      // A rule change keeps the purpose the definition declared (the read models include it: gated above).
      const purpose = event.type === 'SegmentDefined' ? (event.data.purpose ?? null) : await evaluator.purposeOf(event.data.segmentId);
      const run = { reason, trigger: `segment:${event.eventId}`, causationId: event.eventId, now } as const;
      const result = await evaluator.evaluateSegments([{ segmentId: event.data.segmentId, rule, purpose }], run);
      await evaluator.recordEvaluation(event.data.segmentId, event.eventId, result, run);
    }
    // The latest event of each customer in the batch names the trigger.
    const latest = new Map<string, RecordedEvent>();
    for (const event of relevant) if (affectsCustomerFacts(event)) latest.set(event.metadata.customerId, event);
    await evaluator.evaluateCustomers(
      [...latest].map(([customerId, event]) => ({ customerId, trigger: `activity:${event.eventId}`, causationId: event.eventId })),
      now,
    );
  };
}
