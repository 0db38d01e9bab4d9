import { DeciderSpecification, DomainErrorCode } from '@app/event-sourcing';
import { membershipDecider, segmentDecider } from './segment.decider';
import { SEGMENTS_CUSTOMER_ID, type MembershipEvent, type SegmentEvent } from './segment.events';
import type { SegmentRule } from './segment-rule';

const customerId = SEGMENTS_CUSTOMER_ID;
const rule: SegmentRule = { purchases: { count: { gte: 1 }, withinDays: 30 } };
const otherRule: SegmentRule = { ticketsOpen: { gte: 1 } };
const defined: SegmentEvent = { type: 'SegmentDefined', data: { customerId, segmentId: 's1', name: 'Recent buyers', description: 'Bought this month', rule } };
const archived: SegmentEvent = { type: 'SegmentArchived', data: { customerId, segmentId: 's1' } };

describe('segment decider', () => {
  const spec = DeciderSpecification.for(segmentDecider);

  it('defines a segment with a trimmed name', () => {
    spec.given([]).when({ type: 'DefineSegment', segmentId: 's1', name: '  Recent buyers ', description: 'Bought this month', rule }).then([defined]);
  });

  it('refuses to define a segment twice', () => {
    spec.given([defined]).when({ type: 'DefineSegment', segmentId: 's1', name: 'Again', description: '', rule }).thenThrows(DomainErrorCode.AlreadyExists);
  });

  it('refuses an invalid rule, naming its path', () => {
    spec
      .given([])
      .when({ type: 'DefineSegment', segmentId: 's1', name: 'Bad', description: '', rule: { all: [{ ticketsOpen: { gte: 1 } }, { purchases: { count: { gte: 1 }, withinDays: -3 } }] } })
      .thenThrows(DomainErrorCode.RuleViolated, 'rule.all[1].purchases.withinDays must be a positive integer');
  });

  it('refuses an empty name', () => {
    spec.given([]).when({ type: 'DefineSegment', segmentId: 's1', name: '  ', description: '', rule }).thenThrows(DomainErrorCode.RuleViolated, 'name');
  });

  it('changes the rule', () => {
    spec.given([defined]).when({ type: 'ChangeSegmentRule', segmentId: 's1', rule: otherRule }).then([{ type: 'SegmentRuleChanged', data: { customerId, segmentId: 's1', rule: otherRule } }]);
  });

  it('changes nothing when the rule is the same', () => {
    spec.given([defined]).when({ type: 'ChangeSegmentRule', segmentId: 's1', rule }).then([]);
  });

  it('refuses a rule change on an unknown or archived segment, or an invalid rule', () => {
    spec.given([]).when({ type: 'ChangeSegmentRule', segmentId: 's1', rule }).thenThrows(DomainErrorCode.NotFound);
    spec.given([defined, archived]).when({ type: 'ChangeSegmentRule', segmentId: 's1', rule: otherRule }).thenThrows(DomainErrorCode.InvalidState);
    spec.given([defined]).when({ type: 'ChangeSegmentRule', segmentId: 's1', rule: { rfm: {} } }).thenThrows(DomainErrorCode.RuleViolated, 'rule.rfm');
  });

  it('archives once', () => {
    spec.given([defined]).when({ type: 'ArchiveSegment', segmentId: 's1' }).then([archived]);
    spec.given([defined, archived]).when({ type: 'ArchiveSegment', segmentId: 's1' }).then([]);
    spec.given([]).when({ type: 'ArchiveSegment', segmentId: 's1' }).thenThrows(DomainErrorCode.NotFound);
  });

  it('records an evaluation of a segment that exists (archived too), and of none that does not; the state stays as it was', () => {
    const evaluation = { segmentId: 's1', definitionEventId: 'e-1', evaluated: 40, entered: 3, left: 1, at: '2026-01-01T00:05:00.000Z' };
    const evaluated = { type: 'SegmentEvaluated', data: { customerId, ...evaluation } } as const;
    spec.given([defined]).when({ type: 'RecordSegmentEvaluation', ...evaluation }).then([evaluated]);
    spec.given([defined, archived]).when({ type: 'RecordSegmentEvaluation', ...evaluation }).then([evaluated]);
    spec.given([]).when({ type: 'RecordSegmentEvaluation', ...evaluation }).thenThrows(DomainErrorCode.NotFound);
    spec.given([defined, evaluated]).when({ type: 'ArchiveSegment', segmentId: 's1' }).then([archived]);
  });
});

describe('membership decider', () => {
  const spec = DeciderSpecification.for(membershipDecider);
  const at = '2026-06-01T00:00:00.000Z';
  const entered = (segmentId: string): MembershipEvent => ({ type: 'CustomerEnteredSegment', data: { customerId: 'c1', segmentId, at, reason: 'activity' } });
  const left = (segmentId: string): MembershipEvent => ({ type: 'CustomerLeftSegment', data: { customerId: 'c1', segmentId, at, reason: 'activity' } });

  it('enters and leaves only where the verdict differs from the stream', () => {
    spec
      .given([entered('a'), entered('b')])
      .when({ type: 'ReconcileMemberships', customerId: 'c1', at, reason: 'activity', verdicts: [{ segmentId: 'a', member: true }, { segmentId: 'b', member: false }, { segmentId: 'c', member: true }, { segmentId: 'd', member: false }] })
      .then([left('b'), entered('c')]);
  });

  it('lets a customer re-enter after leaving', () => {
    spec.given([entered('a'), left('a')]).when({ type: 'ReconcileMemberships', customerId: 'c1', at, reason: 'activity', verdicts: [{ segmentId: 'a', member: true }] }).then([entered('a')]);
  });

  it('is a no-op when a verdict is repeated (redelivery)', () => {
    spec.given([entered('a')]).when({ type: 'ReconcileMemberships', customerId: 'c1', at, reason: 'activity', verdicts: [{ segmentId: 'a', member: true }] }).then([]);
  });

  it('decides the same from its snapshot (stored as JSON) as from the events, and refuses to decode anything else', () => {
    const codec = membershipDecider.snapshot as NonNullable<typeof membershipDecider.snapshot>;
    const state = [entered('a'), entered('b'), left('a'), entered('c')].reduce(membershipDecider.evolve, membershipDecider.initialState());
    const restored = codec.decode(JSON.parse(JSON.stringify(codec.encode(state))));
    const command = { type: 'ReconcileMemberships' as const, customerId: 'c1', at, reason: 'activity' as const, verdicts: ['a', 'b', 'c', 'd'].map((segmentId) => ({ segmentId, member: segmentId !== 'b' })) };
    expect(membershipDecider.decide(command, restored)).toEqual(membershipDecider.decide(command, state));
    expect(membershipDecider.decide(command, restored)).toEqual([entered('a'), left('b'), entered('d')].map((event) => ({ ...event, data: { ...event.data } })));
    expect(() => codec.decode({ a: true })).toThrow('Not a membership snapshot');
  });
});
