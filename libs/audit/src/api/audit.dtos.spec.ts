// The audit log's type filter: only event types Chronicle writes, named when one is not.
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { EVENT_TYPES, LogQueryDto } from './audit.dtos';

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
