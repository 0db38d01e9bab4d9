// Paging cursors: opaque to clients, the base64url of a JSON array holding the sort keys of a page's
// last row and a tag of the query it pages (the customer, segment or filter). One decoder serves
// every paged route and checks the cursor's shape and each value, so a tampered cursor (`["x","y"]`,
// a month 13) is a 400 naming `cursor`, never a page from nowhere; and a cursor given with another
// query than the one it came from (another customer, another filter) is a 400 too, instead of a page
// of that other list starting at a row of the first.
import { createHash } from 'node:crypto';
import { canonicalJson } from '@app/event-sourcing';
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

/**
 * What a page's rows are chosen by, beside the cursor: the customer, segment or filter of the query
 * (whatever object the route builds them into; key order does not matter). A cursor carries its tag.
 */
export type PagedQuery = Readonly<Record<string, unknown>>;

const QUERY_TAG = /^[A-Za-z0-9_-]{12}$/;

/** 12 characters of the query's SHA-256: a cursor's check that it is given back with its own query, not a secret. */
function queryTag(query: PagedQuery): string {
  return createHash('sha256').update(canonicalJson(query)).digest('base64url').slice(0, 12);
}

/** The cursor of a page of `query` whose last row has these sort keys. */
export function encodePageCursor(values: readonly (string | number | null)[], query: PagedQuery): string {
  return Buffer.from(JSON.stringify([...values, queryTag(query)]), 'utf8').toString('base64url');
}

/**
 * The sort keys a cursor holds, checked against `keys`; a 400 naming `cursor` when it is not one this
 * API returned, or when it was returned for another query than `query`.
 */
export function decodePageCursor<const T extends readonly CursorKey[]>(cursor: string, keys: T, query: PagedQuery): CursorValues<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const values = Array.isArray(parsed) ? (parsed.slice(0, -1) as (string | number | null)[]) : [];
  const tag: unknown = Array.isArray(parsed) ? parsed[parsed.length - 1] : undefined;
  const fits = Array.isArray(parsed) && values.length === keys.length && typeof tag === 'string' && QUERY_TAG.test(tag) && keys.every((key, index) => holds(key, values[index]));
  // Only the exact text this API wrote: base64url has several spellings of one value (padding, stray characters).
  if (!fits || Buffer.from(JSON.stringify(parsed), 'utf8').toString('base64url') !== cursor) {
    throw new RequestValidationError([{ field: 'cursor', message: 'cursor is not one this API returned' }]);
  }
  if (tag !== queryTag(query)) {
    throw new RequestValidationError([{ field: 'cursor', message: 'cursor belongs to another query (another customer, segment or filter): start again without it' }]);
  }
  return values as CursorValues<T>;
}
