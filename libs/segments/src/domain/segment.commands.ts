import type { MembershipReason, SegmentEvaluated } from './segment.events';
import type { ConsentPurposeName, SegmentRule } from './segment-rule';

export type DefineSegment = {
  readonly type: 'DefineSegment';
  readonly segmentId: string;
  readonly name: string;
  readonly description: string;
  /** Unvalidated input: the decider validates it. */
  readonly rule: unknown;
  /** The consent purpose the segment is used for, if any. */
  readonly purpose?: ConsentPurposeName;
};

export type ChangeSegmentRule = { readonly type: 'ChangeSegmentRule'; readonly segmentId: string; readonly rule: unknown };

export type ArchiveSegment = { readonly type: 'ArchiveSegment'; readonly segmentId: string };

export type SegmentCommand = DefineSegment | ChangeSegmentRule | ArchiveSegment;

/** The evaluator's record that it went through everyone for a definition event (the segments reactor's only). */
export type RecordSegmentEvaluation = { readonly type: 'RecordSegmentEvaluation' } & Omit<SegmentEvaluated['data'], 'customerId'>;

/** The evaluator's verdicts for one customer; the decider turns differences with the stream into events. */
export type ReconcileMemberships = {
  readonly type: 'ReconcileMemberships';
  readonly customerId: string;
  readonly at: string;
  readonly reason: MembershipReason;
  readonly verdicts: readonly { readonly segmentId: string; readonly member: boolean }[];
};
