// Schema versions of the interaction events, and the upcasters that lift stored old versions.
//
// CallLogged v2 (v1 until this release): v1 had one `outcome` that mixed two questions, whether the
// customer was reached and what became of the matter ('resolved' | 'follow_up' | 'transferred' |
// 'no_answer' | 'voicemail'), so a reporting query for "calls that reached the customer" had to
// know which outcome words imply a conversation, and a busy line could not be said at all. v2 asks
// the two questions apart: `connection` (answered, busy, no_answer, voicemail) and `resolution`
// (resolved, follow_up, transferred; null exactly when the call was not answered). Every v1 value
// has one v2 equivalent, so the lift loses nothing.
import type { EventSchemaSet, Upcaster } from '@app/event-sourcing';
import type { CallConnection, CallLogged, CallResolution } from './interaction.events';

/** The v1 vocabulary, still accepted from clients that send `outcome` (mapped by callResultOf). */
export type CallOutcomeV1 = 'resolved' | 'follow_up' | 'no_answer' | 'voicemail' | 'transferred';
export const CALL_OUTCOMES_V1: readonly CallOutcomeV1[] = ['resolved', 'follow_up', 'no_answer', 'voicemail', 'transferred'];

export interface CallResult {
  readonly connection: CallConnection;
  readonly resolution: CallResolution | null;
}

/** The one place a v1 outcome is read as v2: used by the upcaster and by the API's legacy field. */
export function callResultOf(outcome: CallOutcomeV1): CallResult {
  switch (outcome) {
    case 'resolved':
    case 'follow_up':
    case 'transferred':
      return { connection: 'answered', resolution: outcome };
    case 'no_answer':
    case 'voicemail':
      return { connection: outcome, resolution: null };
    default: {
      const unknown: never = outcome;
      throw new Error(`Unknown v1 call outcome ${String(unknown)}`);
    }
  }
}

/** CallLogged as stored by releases before v2. */
export type CallLoggedV1Data = Omit<CallLogged['data'], 'connection' | 'resolution'> & { readonly outcome: CallOutcomeV1 };

/**
 * Field order is kept (outcome's place takes connection, resolution), so an upcast v1 event reads
 * like one written as v2. Personal fields (`summary`) pass through untouched.
 */
export const callLoggedV1ToV2: Upcaster<CallLoggedV1Data, CallLogged['data']> = {
  type: 'CallLogged',
  fromVersion: 1,
  upcast(data) {
    const lifted: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(data)) {
      if (field === 'outcome') Object.assign(lifted, callResultOf(value as CallOutcomeV1));
      else lifted[field] = value;
    }
    return { data: lifted as unknown as CallLogged['data'], version: 2 };
  },
};

export const interactionEventSchemas: EventSchemaSet = {
  currentVersions: { CallLogged: 2 },
  upcasters: [callLoggedV1ToV2 as Upcaster],
};
