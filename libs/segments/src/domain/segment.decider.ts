// The segment definition decider (`segment-<id>`) and the membership decider
// (`segmentmembership-<customerId>`).
import { refuse, type Decider } from '@app/event-sourcing';
import type { ReconcileMemberships, RecordSegmentEvaluation, SegmentCommand } from './segment.commands';
import { SEGMENTS_CUSTOMER_ID, type MembershipEvent, type SegmentStreamEvent } from './segment.events';
import { CONSENT_PURPOSE_NAMES, validateSegmentRule, type SegmentRule } from './segment-rule';

export const MAX_SEGMENT_NAME_LENGTH = 120;
export const MAX_SEGMENT_DESCRIPTION_LENGTH = 2000;

export type SegmentState =
  | { readonly status: 'none' }
  | { readonly status: 'active' | 'archived'; readonly segmentId: string; readonly rule: SegmentRule };

function validRule(rule: unknown): SegmentRule {
  const [first] = validateSegmentRule(rule);
  if (first) throw refuse.rule(first.message, first.path);
  return rule as SegmentRule;
}

export const segmentDecider: Decider<SegmentCommand | RecordSegmentEvaluation, SegmentState, SegmentStreamEvent> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    const customerId = SEGMENTS_CUSTOMER_ID;
    switch (command.type) {
      case 'DefineSegment': {
        if (state.status !== 'none') throw refuse.alreadyExists(`Segment ${command.segmentId} already exists`, 'segmentId');
        const name = command.name.trim();
        if (name.length === 0 || name.length > MAX_SEGMENT_NAME_LENGTH) throw refuse.rule(`name must be 1–${MAX_SEGMENT_NAME_LENGTH} characters`, 'name');
        if (command.description.length > MAX_SEGMENT_DESCRIPTION_LENGTH) throw refuse.rule(`description must be at most ${MAX_SEGMENT_DESCRIPTION_LENGTH} characters`, 'description');
        const rule = validRule(command.rule);
        const { purpose } = command;
        if (purpose !== undefined && !CONSENT_PURPOSE_NAMES.includes(purpose)) throw refuse.rule(`purpose must be one of ${CONSENT_PURPOSE_NAMES.join(', ')}`, 'purpose');
        return [{ type: 'SegmentDefined', data: { customerId, segmentId: command.segmentId, name, description: command.description, rule, ...(purpose !== undefined ? { purpose } : {}) } }];
      }
      case 'ChangeSegmentRule': {
        if (state.status === 'none') throw refuse.notFound(`Segment ${command.segmentId} does not exist`, 'segmentId');
        if (state.status === 'archived') throw refuse.invalidState(`Segment ${command.segmentId} is archived`, 'segmentId');
        const rule = validRule(command.rule);
        if (JSON.stringify(rule) === JSON.stringify(state.rule)) return [];
        return [{ type: 'SegmentRuleChanged', data: { customerId, segmentId: command.segmentId, rule } }];
      }
      case 'ArchiveSegment': {
        if (state.status === 'none') throw refuse.notFound(`Segment ${command.segmentId} does not exist`, 'segmentId');
        if (state.status === 'archived') return [];
        return [{ type: 'SegmentArchived', data: { customerId, segmentId: command.segmentId } }];
      }
      case 'RecordSegmentEvaluation': {
        if (state.status === 'none') throw refuse.notFound(`Segment ${command.segmentId} does not exist`, 'segmentId');
        const { segmentId, definitionEventId, evaluated, entered, left, at } = command;
        return [{ type: 'SegmentEvaluated', data: { customerId, segmentId, definitionEventId, evaluated, entered, left, at } }];
      }
      default: {
        const unhandled: never = command;
        throw new Error(`Unhandled segment command ${JSON.stringify(unhandled)}`);
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'SegmentDefined':
        return { status: 'active', segmentId: event.data.segmentId, rule: event.data.rule };
      case 'SegmentRuleChanged':
        return state.status === 'none' ? state : { ...state, rule: event.data.rule };
      case 'SegmentArchived':
        return state.status === 'none' ? state : { ...state, status: 'archived' };
      default:
        return state;
    }
  },
};

/** Segments the customer is in now, per the membership stream. */
export type MembershipState = ReadonlySet<string>;

export const membershipDecider: Decider<ReconcileMemberships, MembershipState, MembershipEvent> = {
  initialState: () => new Set<string>(),

  decide(command, state) {
    const events: MembershipEvent[] = [];
    const seen = new Set<string>();
    for (const { segmentId, member } of command.verdicts) {
      // A verdict list naming a segment twice is the caller's bug; the first verdict wins.
      if (seen.has(segmentId)) continue;
      seen.add(segmentId);
      const data = { customerId: command.customerId, segmentId, at: command.at, reason: command.reason };
      if (member && !state.has(segmentId)) events.push({ type: 'CustomerEnteredSegment', data });
      if (!member && state.has(segmentId)) events.push({ type: 'CustomerLeftSegment', data });
    }
    return events;
  },

  evolve(state, event) {
    const next = new Set(state);
    if (event.type === 'CustomerEnteredSegment') next.add(event.data.segmentId);
    if (event.type === 'CustomerLeftSegment') next.delete(event.data.segmentId);
    return next;
  },

  // A customer enters and leaves segments for as long as the rules and sweeps run: reconciliations
  // resume from a snapshot. The Set is kept as an array of segment ids.
  snapshot: {
    version: 'segmentmembership/1',
    encode: (state) => [...state],
    decode: (encoded) => {
      if (!Array.isArray(encoded) || !encoded.every((id) => typeof id === 'string')) throw new Error('Not a membership snapshot: an array of segment ids was expected');
      return new Set(encoded);
    },
  },
};
