// Decides who is in which segment and records changes: loads facts from the read models, evaluates
// the rules, and reconciles each customer's membership stream through the CommandExecutor. The
// membership decider compares with the stream itself, so a stale read model can only cost a no-op
// command, and a redelivered trigger (same natural key, same stream state) appends nothing twice.
import type { Filter, ReadStore } from '@app/read-store';
import type { CommandContext, CommandExecutor } from '@app/platform';
import type { AnalyticsSettings } from '@app/analytics';
import type { Clock } from '@app/event-sourcing';
import type { CurrencyCode } from '@app/money';
import type { ReconcileMemberships, RecordSegmentEvaluation } from '../domain/segment.commands';
import { membershipDecider, segmentDecider } from '../domain/segment.decider';
import type { MembershipEvent, MembershipReason } from '../domain/segment.events';
import { membershipStreamId, segmentStreamId } from '../domain/segment.streams';
import { usesModel, usesRfm, withMoneyCurrency, type ConsentPurposeName, type SegmentRule } from '../domain/segment-rule';
import { matches, mayBeMember, type CustomerFacts } from '../domain/segment-rule.evaluator';
import { SEGMENT_MEMBERS_COLLECTION, SEGMENTS_COLLECTION, segmentMemberId, type SegmentDocument, type SegmentMemberDocument } from '../projections/segments.projection';
import { CustomerFactsReader, type PopulationContext } from './customer-facts';

/** A segment to evaluate; a null rule means the segment is gone (archived): nobody is a member. */
export interface SegmentToEvaluate {
  readonly segmentId: string;
  readonly rule: SegmentRule | null;
  /** The consent purpose it is used for: only customers who give it are members. */
  readonly purpose: ConsentPurposeName | null;
}

export interface EvaluationRun {
  readonly reason: MembershipReason;
  /**
   * What caused the run (an event id, a sweep instant): part of the natural key of every command it
   * issues, so the same trigger delivered twice is recognised.
   */
  readonly trigger: string;
  /** The event that caused the run, for causationId; null for a sweep. */
  readonly causationId: string | null;
  readonly now: Date;
}

/** A customer to re-evaluate after their own activity, and the event that caused it. */
export interface CustomerTrigger {
  readonly customerId: string;
  /** Natural-key part: the customer's latest event id in the batch, so a redelivery is recognised. */
  readonly trigger: string;
  readonly causationId: string | null;
}

export interface EvaluationResult {
  /** Customers evaluated. */
  readonly evaluated: number;
  readonly entered: number;
  readonly left: number;
}

export interface SegmentPreview {
  readonly count: number;
  /** The first matching customer ids, in id order. */
  readonly sample: readonly string[];
}

export interface SegmentEvaluatorOptions {
  /** Customers loaded per page when scanning everyone (default 500). */
  readonly pageSize?: number;
  /** For the model's figures: the clock of a snapshot computed when none is stored, and ANALYTICS_* settings. */
  readonly clock?: Clock;
  readonly analytics?: AnalyticsSettings;
}

export const SEGMENT_EVALUATOR_ACTOR = 'segment-evaluator';

export class SegmentEvaluator {
  private readonly facts: CustomerFactsReader;
  private readonly pageSize: number;

  /** `currency`: REPORTING_CURRENCY, for RFM money and for stored rules that name no currency. */
  constructor(
    private readonly store: ReadStore,
    private readonly executor: CommandExecutor,
    private readonly currency: CurrencyCode,
    options: SegmentEvaluatorOptions = {},
  ) {
    this.facts = new CustomerFactsReader(store, currency, { ...(options.clock ? { clock: options.clock } : {}), ...(options.analytics ? { analytics: options.analytics } : {}) });
    this.pageSize = options.pageSize ?? 500;
  }

  async activeSegments(filter: Filter = {}): Promise<SegmentDocument[]> {
    return this.store.find<SegmentDocument>(SEGMENTS_COLLECTION, { and: [{ status: 'active' }, filter] }, { sort: [{ field: 'segmentId', direction: 'asc' }] });
  }

  /**
   * (a) Incremental: re-evaluates every active segment for these customers, each with its own
   * trigger (their latest event). Always reconciles with the stream (one command per customer),
   * since these customers just changed. Segments and the RFM population are loaded once per call.
   */
  async evaluateCustomers(customers: readonly CustomerTrigger[], now: Date): Promise<EvaluationResult> {
    // Stored rules that name no currency for their money are read in the reporting currency.
    const segments = (await this.activeSegments()).map((s) => ({ segmentId: s.segmentId, rule: withMoneyCurrency(s.rule, this.currency), purpose: s.purpose ?? null }));
    if (segments.length === 0 || customers.length === 0) return { evaluated: 0, entered: 0, left: 0 };
    const population = await this.populationFor(segments, now);
    let entered = 0;
    let left = 0;
    for (let i = 0; i < customers.length; i += this.pageSize) {
      const slice = customers.slice(i, i + this.pageSize);
      const page = await this.facts.load(slice.map((c) => c.customerId), population, now);
      // One membership stream per customer: a page's commands run concurrently and share group commits.
      const outcomes = await Promise.all(
        page.map((facts, index) => {
          const { trigger, causationId } = slice[index];
          const verdicts = segments.map((s) => ({ segmentId: s.segmentId, member: this.verdict(s, facts, now) }));
          return this.reconcile(facts.customerId, verdicts, { reason: 'activity', trigger, causationId, now });
        }),
      );
      for (const outcome of outcomes) {
        entered += outcome.entered;
        left += outcome.left;
      }
    }
    return { evaluated: customers.length, entered, left };
  }

  /**
   * (b) rule changes and (c) time passing: re-evaluates these segments for every customer, issuing a
   * command only where the verdict differs from the segmentMembers read model. That read model lags
   * the evaluator's own appends by a projector batch; a difference missed in that window is caught by
   * the next evaluation of the customer (their next event, or the next sweep).
   */
  async evaluateSegments(stored: readonly SegmentToEvaluate[], run: EvaluationRun): Promise<EvaluationResult> {
    if (stored.length === 0) return { evaluated: 0, entered: 0, left: 0 };
    // Stored rules that name no currency for their money are read in the reporting currency.
    const segments = stored.map((s) => ({ ...s, rule: s.rule === null ? null : withMoneyCurrency(s.rule, this.currency) }));
    const population = await this.populationFor(segments, run.now);
    let evaluated = 0;
    let entered = 0;
    let left = 0;
    for (let after: string | null = null; ; ) {
      const ids = await this.facts.customerIdsPage(after, this.pageSize);
      if (ids.length === 0) break;
      after = ids[ids.length - 1];
      const [page, members] = await Promise.all([
        this.facts.load(ids, population, run.now),
        this.store.getMany<SegmentMemberDocument>(SEGMENT_MEMBERS_COLLECTION, ids.flatMap((c) => segments.map((s) => segmentMemberId(s.segmentId, c)))),
      ]);
      const reconciling: Promise<{ entered: number; left: number }>[] = [];
      for (const facts of page) {
        const changed = segments
          .map((s) => ({ segmentId: s.segmentId, member: this.verdict(s, facts, run.now) }))
          .filter((v) => v.member !== (members.get(segmentMemberId(v.segmentId, facts.customerId))?.member ?? false));
        if (changed.length > 0) reconciling.push(this.reconcile(facts.customerId, changed, run));
      }
      // One membership stream per customer: a page's commands run concurrently and share group commits.
      for (const outcome of await Promise.all(reconciling)) {
        entered += outcome.entered;
        left += outcome.left;
      }
      evaluated += ids.length;
      if (ids.length < this.pageSize) break;
    }
    return { evaluated, entered, left };
  }

  /**
   * Records that everyone was evaluated for a definition event (SegmentEvaluated in the segment's
   * stream): GET /v1/segments/:id then says the memberships are all decided. Once per event
   * (natural key), however often the reactor gets it.
   */
  async recordEvaluation(segmentId: string, definitionEventId: string, result: EvaluationResult, run: EvaluationRun): Promise<void> {
    const at = run.now.toISOString();
    const command: RecordSegmentEvaluation = { type: 'RecordSegmentEvaluation', segmentId, definitionEventId, ...result, at };
    await this.executor.execute({ streamId: segmentStreamId(segmentId), decider: segmentDecider, command, naturalKey: `evaluated:${definitionEventId}` }, evaluatorContext(run, at));
  }

  /** Who a rule would select now, without recording anything. */
  preview(rule: SegmentRule, now: Date, sampleSize = 20, purpose: ConsentPurposeName | null = null): Promise<SegmentPreview> {
    return previewSegment(this.facts, rule, now, sampleSize, this.pageSize, purpose);
  }

  /** The purpose a defined segment declared (null when none, or when the segment is unknown). */
  async purposeOf(segmentId: string): Promise<ConsentPurposeName | null> {
    return (await this.store.get<SegmentDocument>(SEGMENTS_COLLECTION, segmentId))?.purpose ?? null;
  }

  private verdict(segment: SegmentToEvaluate, facts: CustomerFacts, now: Date): boolean {
    return segment.rule !== null && mayBeMember(segment.purpose, facts) && matches(segment.rule, facts, now);
  }

  private populationFor(segments: readonly SegmentToEvaluate[], now: Date): Promise<PopulationContext> {
    const rules = segments.flatMap((s) => (s.rule === null ? [] : [s.rule]));
    return this.facts.population(now, { rfm: rules.some(usesRfm), model: rules.some(usesModel) });
  }

  private async reconcile(customerId: string, verdicts: ReconcileMemberships['verdicts'], run: EvaluationRun): Promise<{ entered: number; left: number }> {
    const at = run.now.toISOString();
    const command: ReconcileMemberships = { type: 'ReconcileMemberships', customerId, at, reason: run.reason, verdicts };
    const context = evaluatorContext(run, at);
    // The executor may decide more than once (conflict retries); the last decision is what it appended.
    let decided: readonly MembershipEvent[] = [];
    const recording: typeof membershipDecider = {
      ...membershipDecider,
      decide: (c, state) => {
        decided = membershipDecider.decide(c, state);
        return [...decided];
      },
    };
    const outcome = await this.executor.execute({ streamId: membershipStreamId(customerId), decider: recording, command, naturalKey: `reconcile:${run.trigger}` }, context);
    if (!outcome.changed || outcome.replayed) return { entered: 0, left: 0 };
    return { entered: decided.filter((e) => e.type === 'CustomerEnteredSegment').length, left: decided.filter((e) => e.type === 'CustomerLeftSegment').length };
  }
}

/** What the evaluator records is the system's, caused by the run's trigger, at the run's instant. */
function evaluatorContext(run: EvaluationRun, at: string): CommandContext {
  return { actor: { type: 'system', id: SEGMENT_EVALUATOR_ACTOR }, source: 'segments', correlationId: run.trigger, causationId: run.causationId, occurredAt: at };
}

/** Who a rule would select now over every known customer; reads only (query side). */
export async function previewSegment(
  facts: CustomerFactsReader, rule: SegmentRule, now: Date, sampleSize = 20, pageSize = 500, purpose: ConsentPurposeName | null = null,
): Promise<SegmentPreview> {
  const population = await facts.population(now, { rfm: usesRfm(rule), model: usesModel(rule) });
  let count = 0;
  const sample: string[] = [];
  for (let after: string | null = null; ; ) {
    const ids = await facts.customerIdsPage(after, pageSize);
    if (ids.length === 0) break;
    after = ids[ids.length - 1];
    for (const customer of await facts.load(ids, population, now)) {
      if (!mayBeMember(purpose, customer) || !matches(rule, customer, now)) continue;
      count += 1;
      if (sample.length < sampleSize) sample.push(customer.customerId);
    }
    if (ids.length < pageSize) break;
  }
  return { count, sample };
}
