import { firstReplyBreached, slaBreachesOnLeavingOpen, utcInstant } from './ticket-sla';

describe('utcInstant', () => {
  it('gives every instant in UTC, the same answer each time it is asked, also after its memo filled and was emptied', () => {
    const inputs = ['2026-03-01T10:00:00+02:00', '2026-03-01T08:00:00Z', '2026-03-01T08:00:00.000Z', 'not a date'];
    const expected = ['2026-03-01T08:00:00.000Z', '2026-03-01T08:00:00.000Z', '2026-03-01T08:00:00.000Z', 'not a date'];
    expect(inputs.map(utcInstant)).toEqual(expected);
    expect(inputs.map(utcInstant)).toEqual(expected);
    // More distinct instants than the memo keeps: answers stay right while it empties and refills.
    for (let minute = 0; minute < 10_000; minute++) {
      const local = `2026-03-02T${String(Math.floor(minute / 60) % 24).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00-01:00`;
      expect(utcInstant(local)).toBe(new Date(Date.parse(local)).toISOString());
    }
    expect(inputs.map(utcInstant)).toEqual(expected);
  });
});

describe('slaBreachesOnLeavingOpen: both verdicts when a ticket first leaves the open state', () => {
  // Opened 10:00, first response due 11:00, resolution due 18:00.
  const due = { firstResponseDueAt: '2024-04-01T11:00:00.000Z', resolutionDueAt: '2024-04-01T18:00:00.000Z' };
  const replies = {
    never: null,
    inTime: '2024-04-01T10:30:00.000Z',
    atDue: '2024-04-01T11:00:00.000Z',
    late: '2024-04-01T12:00:00.000Z',
  } as const;
  const leaves = {
    beforeFirstResponseDue: '2024-04-01T10:45:00.000Z',
    inTime: '2024-04-01T15:00:00.000Z',
    atDue: '2024-04-01T18:00:00.000Z',
    late: '2024-04-04T09:00:00.000Z',
  } as const;
  // [reply, leaves (resolved or closed: one judgement), firstResponse breached, resolution breached]
  const cases: [keyof typeof replies, keyof typeof leaves, boolean, boolean][] = [
    ['never', 'beforeFirstResponseDue', false, false],
    ['never', 'inTime', true, false],
    ['never', 'atDue', true, false],
    ['never', 'late', true, true],
    ['inTime', 'inTime', false, false],
    ['inTime', 'late', false, true],
    ['atDue', 'atDue', false, false],
    ['late', 'inTime', true, false],
    ['late', 'late', true, true],
  ];
  it.each(cases)('reply %s, leaves %s: firstResponse %s, resolution %s', (reply, leave, firstResponse, resolution) => {
    const repliedAt = replies[reply];
    const firstResponseBreached = repliedAt === null ? null : firstReplyBreached(repliedAt, due.firstResponseDueAt);
    expect(slaBreachesOnLeavingOpen({ ...due, firstResponseBreached }, leaves[leave])).toEqual({ firstResponse, resolution });
  });

  it('keeps the verdict given at the first reply, whatever the due time is when the ticket leaves', () => {
    // Answered on time, then a priority change moved the due time before the reply.
    const moved = { firstResponseDueAt: '2024-04-01T10:15:00.000Z', resolutionDueAt: due.resolutionDueAt };
    expect(slaBreachesOnLeavingOpen({ ...moved, firstResponseBreached: false }, leaves.inTime)).toEqual({ firstResponse: false, resolution: false });
    expect(slaBreachesOnLeavingOpen({ ...due, firstResponseBreached: true }, leaves.beforeFirstResponseDue)).toEqual({ firstResponse: true, resolution: false });
  });

  it('never judges a missing due time as breached', () => {
    const none = { firstResponseDueAt: null, resolutionDueAt: null, firstResponseBreached: null };
    expect(slaBreachesOnLeavingOpen(none, leaves.late)).toEqual({ firstResponse: false, resolution: false });
  });
});
