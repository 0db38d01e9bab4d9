// The one cursor decoder of the paged routes: what it returns, and what it refuses.
import { RequestValidationError } from '../errors/validation';
import { decodePageCursor, encodePageCursor } from './page-cursor';

const QUERY = { timeline: 'c-1001', channel: null, kind: null };
/** The tag a cursor of QUERY carries (its last element). */
const TAG: unknown = (JSON.parse(Buffer.from(encodePageCursor([], QUERY), 'base64url').toString('utf8')) as unknown[])[0];
const base64urlJson = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
/** A hand-made cursor of QUERY: these sort keys and QUERY's tag (anything but an array as it is). */
const cursorOf = (value: unknown) => base64urlJson(Array.isArray(value) ? [...(value as unknown[]), TAG] : value);
const refusal = (cursor: string, keys: Parameters<typeof decodePageCursor>[1], query: Parameters<typeof decodePageCursor>[2] = QUERY) => {
  try {
    decodePageCursor(cursor, keys, query);
  } catch (error) {
    return error instanceof RequestValidationError ? error.problems : error;
  }
  return 'accepted';
};
const REFUSED = [{ field: 'cursor', message: 'cursor is not one this API returned' }];

describe('page cursors', () => {
  it('gives back the sort keys it encoded', () => {
    const timeline = encodePageCursor(['2026-03-03T10:15:00.000Z', 'a3bb189e-8bf9-3888-9912-ace4e6543002'], QUERY);
    expect(decodePageCursor(timeline, ['instant', 'eventId'], QUERY)).toEqual(['2026-03-03T10:15:00.000Z', 'a3bb189e-8bf9-3888-9912-ace4e6543002']);
    expect(decodePageCursor(encodePageCursor([42], QUERY), ['position'], QUERY)).toEqual([42]);
    expect(decodePageCursor(encodePageCursor(['c-1001'], QUERY), ['id'], QUERY)).toEqual(['c-1001']);
    const queue = ['9999-12-31T23:59:59.999Z', 4, null, 't-1'] as const;
    expect(decodePageCursor(encodePageCursor(queue, QUERY), ['instant', 'rank', 'instantOrNull', 'id'], QUERY)).toEqual(queue);
    expect(decodePageCursor(encodePageCursor(['2026-03-03T10:15:00.000Z', 't-1'], QUERY), ['instantOrNull', 'id'], QUERY)).toEqual(['2026-03-03T10:15:00.000Z', 't-1']);
  });

  it('takes a cursor back with its own query whatever order the query\'s fields are written in, and refuses it with another customer, segment or filter', () => {
    const cursor = encodePageCursor(['2026-03-03T10:15:00.000Z', 'a3bb189e-8bf9-3888-9912-ace4e6543002'], QUERY);
    expect(decodePageCursor(cursor, ['instant', 'eventId'], { kind: null, channel: null, timeline: 'c-1001' })).toEqual(['2026-03-03T10:15:00.000Z', 'a3bb189e-8bf9-3888-9912-ace4e6543002']);
    const ANOTHER = [{ field: 'cursor', message: 'cursor belongs to another query (another customer, segment or filter): start again without it' }];
    expect(refusal(cursor, ['instant', 'eventId'], { ...QUERY, timeline: 'c-1002' })).toEqual(ANOTHER);
    expect(refusal(cursor, ['instant', 'eventId'], { ...QUERY, channel: 'email' })).toEqual(ANOTHER);
    expect(refusal(encodePageCursor(['c-1'], { segmentId: 's-1' }), ['id'], { segmentId: 's-2' })).toEqual(ANOTHER);
  });

  it('refuses the cursors of earlier versions (the sort keys without a query\'s tag) as not its own', () => {
    expect(refusal(base64urlJson(['2026-03-03T10:15:00.000Z', 'a3bb189e-8bf9-3888-9912-ace4e6543002']), ['instant', 'eventId'])).toEqual(REFUSED);
    expect(refusal(base64urlJson([42]), ['position'])).toEqual(REFUSED);
    expect(refusal(base64urlJson(['c-1001']), ['id'])).toEqual(REFUSED);
  });

  it.each([
    ['strings that are no instant and no event id', cursorOf(['x', 'y'])],
    ['month 13, day 45, hour 99', cursorOf(['2026-13-45T99:00:00Z', 'a3bb189e-8bf9-3888-9912-ace4e6543002'])],
    ['30 February', cursorOf(['2026-02-30T10:00:00.000Z', 'a3bb189e-8bf9-3888-9912-ace4e6543002'])],
    ['an instant not in the stored form', cursorOf(['2026-03-03T10:15:00+01:00', 'a3bb189e-8bf9-3888-9912-ace4e6543002'])],
    ['an event id that is not a UUID', cursorOf(['2026-03-03T10:15:00.000Z', 'zzz'])],
    ['too few keys', cursorOf(['2026-03-03T10:15:00.000Z'])],
    ['too many keys', cursorOf(['2026-03-03T10:15:00.000Z', 'a3bb189e-8bf9-3888-9912-ace4e6543002', 1])],
    ['an object', cursorOf({ occurredAt: '2026-03-03T10:15:00.000Z' })],
    ['not JSON', Buffer.from('[nope').toString('base64url')],
    ['not base64url', '!!!'],
    ['padding the API never writes', `${encodePageCursor(['2026-03-03T10:15:00.000Z', 'a3bb189e-8bf9-3888-9912-ace4e6543002'], QUERY)}==`],
    ['a tag of another form', base64urlJson(['2026-03-03T10:15:00.000Z', 'a3bb189e-8bf9-3888-9912-ace4e6543002', 'y'])],
    ['a tag that is not text', base64urlJson(['2026-03-03T10:15:00.000Z', 'a3bb189e-8bf9-3888-9912-ace4e6543002', 7])],
  ])('refuses a timeline cursor with %s', (_what, cursor) => {
    expect(refusal(cursor, ['instant', 'eventId'])).toEqual(REFUSED);
  });

  it.each([
    ['a negative position', cursorOf([-1]), ['position'] as const],
    ['a fraction', cursorOf([1.5]), ['position'] as const],
    ['a position beyond the safe integers', cursorOf([2 ** 53]), ['position'] as const],
    ['a position as text', cursorOf(['7']), ['position'] as const],
    ['an id with a space', cursorOf(['c 1']), ['id'] as const],
    ['an empty id', cursorOf(['']), ['id'] as const],
    ['a null where a time must be', cursorOf([null]), ['instant'] as const],
    ['a malformed time where one may be missing', cursorOf(['2026-02-30T10:00:00.000Z']), ['instantOrNull'] as const],
    ['a negative rank', cursorOf([-2]), ['rank'] as const],
    ['a rank as text', cursorOf(['1']), ['rank'] as const],
  ])('refuses %s', (_what, cursor, keys) => {
    expect(refusal(cursor, keys)).toEqual(REFUSED);
  });
});
