import { utcInstant } from './ticket-sla';

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
