import type { CustomerEvent } from '@app/customers/domain/customer.events';
import {
  CUSTOMER_LOOKUP_COLLECTION,
  CUSTOMER_LOOKUP_SOURCES_COLLECTION,
  customerLookupProjection,
  lookupKey,
  lookupPrefix,
  lookupTerm,
  nationalDigits,
  type CustomerLookupDocument,
} from './customer-lookup.projection';
import { ProjectionHarness, RecordedEventFactory } from './testing';

function customer(customerId: string) {
  const factory = new RecordedEventFactory();
  const record = (at: string, event: CustomerEvent) => factory.record(`customer-${customerId}`, event, { at });
  return {
    registered: (at: string, profile: { firstName: string; lastName: string; email?: string; phone?: string }, externalId?: string) =>
      record(at, { type: 'CustomerRegistered', data: { customerId, externalId, profile } }),
    updated: (at: string, changes: Record<string, string>) => record(at, { type: 'CustomerProfileUpdated', data: { customerId, changes } }),
    contact: (at: string, kind: 'email' | 'phone' | 'address', value: string) =>
      record(at, { type: 'ContactPointAdded', data: { customerId, kind, value } }),
    consent: (at: string) => record(at, { type: 'ConsentGiven', data: { customerId, purpose: 'profiling', via: 'web' } }),
  };
}

describe('customer lookup projection', () => {
  it('writes one document per search key on registration', () => {
    const ada = customer('c-1');
    const harness = new ProjectionHarness([customerLookupProjection]).run([
      ada.registered('2024-01-01T08:00:00Z', { firstName: 'Ada', lastName: 'Lovelace', email: 'Ada@Example.com', phone: '+49 (30) 123-456' }, 'SHOP-1'),
    ]);
    expect(harness.ids(CUSTOMER_LOOKUP_COLLECTION)).toEqual([
      'email:ada@example.com|c-1',
      'ext:SHOP-1|c-1',
      'name:ada lovelace|c-1',
      'name:lovelace ada|c-1',
      'name:lovelace|c-1',
      'phone:+4930123456|c-1',
      // The same number as dialled in Germany, so "030 123456" finds her too.
      'phone:030123456|c-1',
    ]);
    expect(harness.get(CUSTOMER_LOOKUP_COLLECTION, 'name:ada lovelace|c-1')).toEqual({
      id: 'name:ada lovelace|c-1', lastPosition: 1, key: 'name:ada lovelace', customerId: 'c-1', displayName: 'Ada Lovelace',
    });
  });

  it('adds a number\'s national form only when it is in international form and valid', () => {
    expect(nationalDigits('+44 7000 007919')).toBe('07000007919');
    expect(nationalDigits('+1 213 373 4253')).toBe('2133734253');
    expect(nationalDigits('030 99 88')).toBeNull();
    expect(nationalDigits('+49')).toBeNull();
  });

  it('adds keys for email and phone contact points, not for addresses', () => {
    const ada = customer('c-1');
    const harness = new ProjectionHarness([customerLookupProjection]).run([
      ada.registered('2024-01-01T08:00:00Z', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' }),
      ada.contact('2024-01-02T08:00:00Z', 'email', 'ADA.work@example.org'),
      ada.contact('2024-01-03T08:00:00Z', 'phone', '030 99 88'),
      ada.contact('2024-01-04T08:00:00Z', 'address', '12 Analytical Row'),
    ]);
    expect(harness.all<CustomerLookupDocument>(CUSTOMER_LOOKUP_COLLECTION).map((doc) => doc.key)).toEqual([
      'email:ada.work@example.org', 'email:ada@example.com', 'name:ada lovelace', 'name:lovelace ada', 'name:lovelace', 'phone:0309988',
    ]);
  });

  it('replaces the old email and phone keys on a profile change, keeping one still held by a contact point', () => {
    const ada = customer('c-1');
    const harness = new ProjectionHarness([customerLookupProjection]).run([
      ada.registered('2024-01-01T08:00:00Z', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: '+4930111' }),
      ada.contact('2024-01-02T08:00:00Z', 'phone', '+4930111'),
      ada.updated('2024-01-03T08:00:00Z', { email: 'ada@new.example', phone: '+4930222' }),
    ]);
    expect(harness.all<CustomerLookupDocument>(CUSTOMER_LOOKUP_COLLECTION).map((doc) => [doc.key, doc.lastPosition])).toEqual([
      ['email:ada@new.example', 3],
      ['name:ada lovelace', 1],
      ['name:lovelace ada', 1],
      ['name:lovelace', 1],
      ['phone:+4930111', 1], // still a contact point
      ['phone:+4930222', 3],
      ['phone:030111', 1],
      ['phone:030222', 3],
    ]);
  });

  it('rewrites every key with the new display name on a name change and drops the old name keys', () => {
    const ada = customer('c-1');
    const harness = new ProjectionHarness([customerLookupProjection]).run([
      ada.registered('2024-01-01T08:00:00Z', { firstName: 'Ada', lastName: 'Byron', email: 'ada@example.com' }),
      ada.updated('2024-01-03T08:00:00Z', { lastName: 'King' }),
    ]);
    expect(harness.all<CustomerLookupDocument>(CUSTOMER_LOOKUP_COLLECTION).map((doc) => [doc.key, doc.displayName])).toEqual([
      ['email:ada@example.com', 'Ada King'],
      ['name:ada king', 'Ada King'],
      ['name:king ada', 'Ada King'],
      ['name:king', 'Ada King'],
    ]);
    expect(harness.get(CUSTOMER_LOOKUP_SOURCES_COLLECTION, 'c-1')).toMatchObject({ displayName: 'Ada King', lastName: 'King' });
  });

  it('ignores events that change no key', () => {
    const ada = customer('c-1');
    expect(customerLookupProjection.touches(ada.updated('2024-01-03T08:00:00Z', { city: 'London' }))).toEqual([]);
    expect(customerLookupProjection.touches(ada.contact('2024-01-03T08:00:00Z', 'address', 'Somewhere 1'))).toEqual([]);
    expect(customerLookupProjection.touches(ada.consent('2024-01-03T08:00:00Z'))).toEqual([]);
  });

  it('keeps customers with the same name apart and lets a name prefix find both', () => {
    const first = customer('c-1');
    const second = customer('c-2');
    const harness = new ProjectionHarness([customerLookupProjection]).run([
      first.registered('2024-01-01T08:00:00Z', { firstName: 'Ada', lastName: 'Lovelace' }),
      second.registered('2024-01-01T09:00:00Z', { firstName: 'Ada', lastName: 'Lovelace' }),
    ]);
    const prefix = lookupKey.name('  ADA  Love');
    expect(prefix).toBe('name:ada love');
    const matches = harness.all<CustomerLookupDocument>(CUSTOMER_LOOKUP_COLLECTION).filter((doc) => doc.key.startsWith(prefix));
    expect(matches.map((doc) => doc.customerId)).toEqual(['c-1', 'c-2']);
  });

  it('declares the key index', () => {
    expect(customerLookupProjection.collections.find((c) => c.name === 'customerLookup')?.indexes).toEqual([
      { fields: [{ field: 'key', direction: 'asc' }] },
    ]);
  });
});

describe('search terms: normalised as the keys are, and never a prefix of every key', () => {
  it.each([
    ['email', '  Ada@Example.COM ', 'email:ada@example.com'],
    ['phone', '+44 (7000) 007-919', 'phone:+447000007919'],
    ['phone', '+1', 'phone:+1'],
    ['name', '\u00a0 ADA\u2003 Love\t', 'name:ada love'],
    ['externalId', ' shop-100 ', 'ext:shop-100'],
    // Found from outside: "José" with a combining accent (NFD) and precomposed (NFC) were two names.
    ['name', 'Jose\u0301 Garci\u0301a', 'name:jos\u00e9 garc\u00eda'],
    ['name', 'Jos\u00e9 Garc\u00eda', 'name:jos\u00e9 garc\u00eda'],
    ['email', 'rene\u0301@example.com', 'email:ren\u00e9@example.com'],
    // Found from outside: names holding characters that show nothing were not found by what they show.
    ['name', '\u200b\u200bZed Wid\u200dth', 'name:zed width'],
    ['name', 'عبد\u200bالله', 'name:عبدالله'],
    ['name', 'Anne\u00ad-Marie\u2060 Ro\u034fse', 'name:anne-marie rose'],
    ['email', 'ada\u200c@example.com', 'email:ada@example.com'],
  ] as const)('%s %p → %p', (kind, typed, prefix) => {
    expect(lookupPrefix(kind, typed)).toBe(prefix);
    expect(lookupKey[kind](typed)).toBe(prefix);
  });

  // NBSP, em space, ideographic space, narrow NBSP, line separator: white space to trim() and \s.
  const blanks = ['', ' ', '  ', '\t', '\u00a0', '\u2003\u3000', '\u202f', '\u2028', '\ufeff'];

  it.each(['email', 'name', 'externalId'] as const)('%s: white space only (Unicode spaces too) normalises to nothing, and gives no prefix', (kind) => {
    for (const typed of blanks) {
      expect({ typed, term: lookupTerm[kind](typed), prefix: lookupPrefix(kind, typed) }).toEqual({ typed, term: '', prefix: null });
    }
  });

  it.each(['email', 'name'] as const)('%s: characters that show nothing, with or without spaces, normalise to nothing too', (kind) => {
    for (const typed of ['\u200b', '\u200d \u00ad', '\u2060\u200c']) {
      expect({ typed, term: lookupTerm[kind](typed), prefix: lookupPrefix(kind, typed) }).toEqual({ typed, term: '', prefix: null });
    }
  });

  it('phone: a term without a digit normalises to nothing, "+" alone included, and gives no prefix', () => {
    for (const typed of [...blanks, 'abc', 'xyz', '--', '+', '+ ( ) -', 'call me']) {
      expect({ typed, term: lookupTerm.phone(typed), prefix: lookupPrefix('phone', typed) }).toEqual({ typed, term: '', prefix: null });
    }
  });

  it('no prefix a term can give matches every key of its kind: each holds at least one character after the kind', () => {
    const everyKind = ['email:', 'phone:', 'name:', 'ext:'];
    for (const kind of ['email', 'phone', 'name', 'externalId'] as const) {
      for (const typed of [...blanks, 'abc', '--', '+', 'a', '1']) {
        const prefix = lookupPrefix(kind, typed);
        if (prefix !== null) expect({ kind, typed, bare: everyKind.includes(prefix) }).toEqual({ kind, typed, bare: false });
      }
    }
  });
});
