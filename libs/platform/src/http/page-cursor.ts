// Paging cursors: opaque to clients, the base64url of a JSON array holding the sort keys of a page's
// last row. One decoder serves every paged route and checks the cursor's shape and each value, so a
// tampered cursor (`["x","y"]`, a month 13) is a 400 naming `cursor`, never a page from nowhere.
import { RequestValidationError } from '../errors/validation';
import { ID_PATTERN } from './command-dtos';

/**
 * What a cursor holds, key by key: `instant` a UTC time as the read models store it
 * (`2026-03-03T10:15:00.000Z`), `instantOrNull` one or null (a time not known yet: a ticket
 * projected before its opening), `eventId` an event's UUID, `id` a Chronicle id (`c-1001`),
 * `position` a global position, `rank` a small whole number a read model sorts by (a priority's rank).
 */
export type CursorKey = 'instant' | 'instantOrNull' | 'eventId' | 'id' | 'position' | 'rank';
type CursorValue<K extends CursorKey> = K extends 'position' | 'rank' ? number : K extends 'instantOrNull' ? string | null : string;
export type CursorValues<T extends readonly CursorKey[]> = { -readonly [I in keyof T]: CursorValue<T[I]> };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STORED_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function holds(key: CursorKey, value: unknown): boolean {
  switch (key) {
    case 'instantOrNull':
      return value === null || holds('instant', value);
    case 'instant':
      // The form Date#toISOString gives, and a real time: no month 13, no 25 o'clock, no 30 February.
      return typeof value === 'string' && STORED_INSTANT.test(value) && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value;
    case 'eventId':
      return typeof value === 'string' && UUID.test(value);
    case 'id':
      return typeof value === 'string' && ID_PATTERN.test(value);
    case 'position':
    case 'rank':
      return Number.isSafeInteger(value) && (value as number) >= 0;
  }
}

/** The cursor of a page whose last row has these sort keys. */
export function encodePageCursor(values: readonly (string | number | null)[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

/** The sort keys a cursor holds, checked against `keys`; a 400 naming `cursor` when it is not one this API returned. */
export function decodePageCursor<const T extends readonly CursorKey[]>(cursor: string, keys: T): CursorValues<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const fits = Array.isArray(parsed) && parsed.length === keys.length && keys.every((key, index) => holds(key, (parsed as unknown[])[index]));
  // Only the exact text this API wrote: base64url has several spellings of one value (padding, stray characters).
  if (!fits || encodePageCursor(parsed as (string | number | null)[]) !== cursor) {
    throw new RequestValidationError([{ field: 'cursor', message: 'cursor is not one this API returned' }]);
  }
  return parsed as CursorValues<T>;
}
