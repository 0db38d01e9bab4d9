import { EventSchemas, type RecordedEvent } from '@app/event-sourcing';
import { CALL_OUTCOMES_V1, callResultOf, interactionEventSchemas, type CallLoggedV1Data } from './interaction.schemas';

const schemas = new EventSchemas([interactionEventSchemas]);

function storedV1(data: CallLoggedV1Data): RecordedEvent {
  return {
    eventId: 'e-1', type: 'CallLogged', streamId: 'call-k1', revision: 0, position: 7, recordedAt: '2026-03-01T10:00:00.000Z', data,
    metadata: { customerId: 'c1', schemaVersion: 1, occurredAt: '2026-03-01T09:59:00.000Z', actor: { type: 'service', id: 'k' }, source: 'pbx', correlationId: 'x', causationId: null },
  };
}

describe('CallLogged schema versions', () => {
  it('writes CallLogged at v2', () => {
    expect(schemas.currentVersion('CallLogged')).toBe(2);
  });

  it.each([
    ['resolved', 'answered', 'resolved'],
    ['follow_up', 'answered', 'follow_up'],
    ['transferred', 'answered', 'transferred'],
    ['no_answer', 'no_answer', null],
    ['voicemail', 'voicemail', null],
  ] as const)('reads a stored v1 outcome %s as connection %s, resolution %s, every other field kept in place', (outcome, connection, resolution) => {
    const event = storedV1({ customerId: 'c1', callId: 'k1', direction: 'inbound', durationSeconds: 60, outcome, agentId: 'agent-1', summary: 'opaque' });
    const read = schemas.upcast(event);
    expect(read.metadata.schemaVersion).toBe(2);
    expect(JSON.stringify(read.data)).toBe(
      JSON.stringify({ customerId: 'c1', callId: 'k1', direction: 'inbound', durationSeconds: 60, connection, resolution, agentId: 'agent-1', summary: 'opaque' }),
    );
    expect({ ...read, data: event.data, metadata: event.metadata }).toEqual(event);
  });

  it('maps every v1 outcome', () => {
    for (const outcome of CALL_OUTCOMES_V1) expect(() => callResultOf(outcome)).not.toThrow();
  });

  it('leaves a v2 event as it is', () => {
    const v2 = { ...storedV1({ customerId: 'c1', callId: 'k1', direction: 'inbound', durationSeconds: 1, outcome: 'resolved' }), data: { connection: 'busy', resolution: null } };
    const written = { ...v2, metadata: { ...v2.metadata, schemaVersion: 2 } };
    expect(schemas.upcast(written)).toBe(written);
  });
});
