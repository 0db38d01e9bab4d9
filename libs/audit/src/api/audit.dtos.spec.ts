// The audit log's type filter: only event types Chronicle writes, named when one is not.
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { AccessLogQueryDto, EVENT_TYPES, LogQueryDto } from './audit.dtos';

async function typeProblem(type: unknown): Promise<string | undefined> {
  const [error] = await validate(plainToInstance(LogQueryDto, { type }));
  return error?.property === 'type' ? Object.values(error.constraints ?? {}).join('; ') : undefined;
}

describe('the audit log type filter', () => {
  it('knows every capability\'s event types, once each', () => {
    expect(EVENT_TYPES).toEqual(expect.arrayContaining(['CustomerRegistered', 'CallLogged', 'TicketOpened', 'PointsEarned', 'TierChanged', 'SegmentDefined', 'CustomerEnteredSegment', 'CustomerForgotten']));
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
  });

  it('takes known types, listed or repeated', async () => {
    expect(await typeProblem('CallLogged,PurchaseCompleted')).toBeUndefined();
    expect(await typeProblem(['CallLogged', 'PointsEarned'])).toBeUndefined();
  });

  it('refuses an unknown type, naming it', async () => {
    expect(await typeProblem('Bogus')).toMatch(/^type names no known event type: Bogus \(known: .*CallLogged/);
    expect(await typeProblem('CallLogged\n')).toMatch(/no known event type: CallLogged\n \(/);
    expect(await typeProblem('CallLogged, calllogged')).toMatch(/^type names no known event type: calllogged \(/);
  });
});

// Found from outside: `from` after `to` on the audit log and the access log answered 200 with nothing
// (the analytics routes said 400 naming `to`). Every range of the audit routes is checked alike.
describe('the audit routes\' ranges', () => {
  const problems = async (type: typeof LogQueryDto | typeof AccessLogQueryDto, query: object): Promise<Record<string, string>> =>
    Object.fromEntries((await validate(plainToInstance(type, query))).map((error) => [error.property, Object.values(error.constraints ?? {}).join('; ')]));

  it('refuse an upper end below the lower one, naming it', async () => {
    for (const type of [LogQueryDto, AccessLogQueryDto]) {
      expect(await problems(type, { from: '2026-12-06T00:00:00Z', to: '2026-12-01T00:00:00Z' })).toEqual({ to: 'to must not be before from' });
      expect(await problems(type, { from: '2026-12-01T00:00:00Z', to: '2026-12-01T00:00:00Z' })).toEqual({});
      // Different offsets, the same instant order: 01:00+02:00 is 23:00Z the day before.
      expect(await problems(type, { from: '2026-12-01T00:00:00Z', to: '2026-12-01T01:00:00+02:00' })).toEqual({ to: 'to must not be before from' });
    }
    expect(await problems(LogQueryDto, { after: 18, until: 5 })).toEqual({ until: 'until must not be below after' });
    expect(await problems(LogQueryDto, { after: 18, until: 18 })).toEqual({});
  });
});
