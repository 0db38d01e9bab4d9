// The customer search index: one `customerLookup` document per (search key, customer), searched by
// the query side with a prefix filter on `key` (e.g. `name:ada`, `email:ada@`, `phone:+4930`).
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { RecordedEvent } from '@app/event-sourcing';
import type { DocumentChange, DocumentRef, Projection, ProjectionView } from '@app/read-store';
import { isCatalogueEvent, type CatalogueEvent } from './catalogue-event';
import { fullName } from './timeline-entry';
import { isCustomerForgotten } from './forgotten';

export const CUSTOMER_LOOKUP_COLLECTION = 'customerLookup';

/**
 * The projection's own memory of what each customer's keys were built from, so it can delete
 * obsolete keys when an email, phone or name changes. Kept here rather than read from
 * `customer360` so the lookup does not depend on which projection the runner applies first.
 */
export const CUSTOMER_LOOKUP_SOURCES_COLLECTION = 'customerLookupSources';

/** A `customerLookup` document; id = `${key}|${customerId}`. */
export type CustomerLookupFields = {
  /**
   * `email:<lower-cased email>` (profile email and every email contact point),
   * `phone:<digits and + only>` (profile phone and every phone contact point), and for a number in
   * international form also its national digits as dialled at home (`+447000007919` → `phone:07000007919`),
   * `name:<first last>`, `name:<last first>`, `name:<last>` (lower-cased, single spaces),
   * `ext:<externalId>` (as given, case kept). Build search prefixes with `lookupKey`.
   */
  readonly key: string;
  readonly customerId: string;
  /** "First Last", to list matches without loading the 360 view. */
  readonly displayName: string;
};

export type CustomerLookupDocument = CustomerLookupFields & { readonly id: string; readonly lastPosition: number };

/** A `customerLookupSources` document; id = customerId. Internal to this projection. */
export type CustomerLookupSourcesFields = {
  readonly customerId: string;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly externalId: string | null;
  readonly contactEmails: readonly string[];
  readonly contactPhones: readonly string[];
  readonly displayName: string;
  /** The keys currently written for this customer. */
  readonly keys: readonly string[];
};

export type CustomerLookupSourcesDocument = CustomerLookupSourcesFields & { readonly id: string; readonly lastPosition: number };

export type LookupKind = 'email' | 'phone' | 'name' | 'externalId';

const SHOWS_NOTHING = /\p{Default_Ignorable_Code_Point}/gu;

/** `text` without the characters that show nothing. */
function visible(text: string): string {
  return text.replace(SHOWS_NOTHING, '');
}

/**
 * What a key holds of a value, stored or typed: the one normalisation of both sides. '' when nothing
 * searchable is left (white space only, Unicode spaces included; a phone without a digit), which as
 * a prefix would match every key of its kind.
 */
export const lookupTerm: Readonly<Record<LookupKind, (value: string) => string>> = {
  // Names and emails in one Unicode form (NFC): "José" typed with a combining accent is the same name;
  // without the characters that show nothing (zero-width spaces and joiners, soft hyphens: Unicode's
  // default-ignorable code points), which no one types when searching (found from outside: "Zed" did
  // not find "\u200b\u200bZed", nor "عبدالله" "عبد\u200bالله").
  email: (email) => visible(email).normalize('NFC').trim().toLowerCase(),
  phone: (phone) => {
    const kept = phone.replace(/[^\d+]/g, '');
    return /\d/.test(kept) ? kept : '';
  },
  name: (text) => visible(text).normalize('NFC').trim().toLowerCase().replace(/\s+/g, ' '),
  externalId: (externalId) => externalId.trim(),
};

const KEY_PREFIXES: Readonly<Record<LookupKind, string>> = { email: 'email:', phone: 'phone:', name: 'name:', externalId: 'ext:' };

/** Key builders: the query side must normalise what the user types the same way (`lookupPrefix`). */
const keyOf = (kind: LookupKind) => (value: string): string => `${KEY_PREFIXES[kind]}${lookupTerm[kind](value)}`;
export const lookupKey: Readonly<Record<LookupKind, (value: string) => string>> = {
  email: keyOf('email'),
  phone: keyOf('phone'),
  name: keyOf('name'),
  externalId: keyOf('externalId'),
};

/**
 * The key prefix a search by `kind` looks for; null when the term normalises to nothing, so no caller
 * can turn a blank term into the bare `email:` prefix that every customer's key starts with.
 */
export function lookupPrefix(kind: LookupKind, typed: string): string | null {
  const term = lookupTerm[kind](typed);
  return term === '' ? null : `${KEY_PREFIXES[kind]}${term}`;
}

export function lookupDocumentId(key: string, customerId: string): string {
  return `${key}|${customerId}`;
}

/**
 * A number as dialled within its country (`+44 7000 007919` → `07000007919`, with the trunk prefix),
 * so an agent typing what the customer says on the phone finds them; null when the number is not in
 * international form or not a valid number of its country.
 */
export function nationalDigits(phone: string): string | null {
  const parsed = parsePhoneNumberFromString(phone.replace(/[^\d+]/g, ''));
  if (!parsed || !parsed.isValid()) return null;
  const digits = parsed.formatNational().replace(/\D/g, '');
  return digits === '' ? null : digits;
}

/** Every key a customer is found by, without duplicates or empty values, in a stable order. */
export function lookupKeys(sources: Omit<CustomerLookupSourcesFields, 'keys' | 'displayName' | 'customerId'>): string[] {
  const keys = new Set<string>();
  const emails = [sources.email, ...sources.contactEmails].filter(present);
  const phones = [sources.phone, ...sources.contactPhones].filter(present);
  for (const email of emails) keys.add(lookupKey.email(email));
  for (const phone of phones) {
    if (!/\d/.test(phone)) continue;
    keys.add(lookupKey.phone(phone));
    const national = nationalDigits(phone);
    if (national !== null) keys.add(lookupKey.phone(national));
  }
  const first = sources.firstName?.trim() ?? '';
  const last = sources.lastName?.trim() ?? '';
  for (const name of [`${first} ${last}`, `${last} ${first}`, last]) {
    if (name.trim() !== '') keys.add(lookupKey.name(name));
  }
  if (present(sources.externalId)) keys.add(lookupKey.externalId(sources.externalId));
  return [...keys];
}

function present(value: string | null | undefined): value is string {
  return value !== null && value !== undefined && value.trim() !== '';
}

function emptySources(customerId: string): CustomerLookupSourcesFields {
  return {
    customerId, firstName: null, lastName: null, email: null, phone: null, externalId: null,
    contactEmails: [], contactPhones: [], displayName: '', keys: [],
  };
}

type LookupEvent = Extract<CatalogueEvent, { type: 'CustomerRegistered' | 'CustomerProfileUpdated' | 'ContactPointAdded' | 'CustomerForgotten' }>;

const NAME_AND_CONTACT_FIELDS = ['firstName', 'lastName', 'email', 'phone'] as const;

/** Events that change anything a key or the display name is built from. */
function lookupEvent(event: RecordedEvent): LookupEvent | null {
  if (!isCatalogueEvent(event)) return null;
  switch (event.type) {
    case 'CustomerRegistered':
      return event;
    case 'CustomerProfileUpdated':
      return NAME_AND_CONTACT_FIELDS.some((field) => field in event.data.changes) ? event : null;
    case 'ContactPointAdded':
      return event.data.kind === 'email' || event.data.kind === 'phone' ? event : null;
    case 'CustomerForgotten':
      return event;
    default:
      return null;
  }
}

type Sources = Omit<CustomerLookupSourcesFields, 'keys' | 'displayName'>;

function evolveSources(sources: Sources, event: LookupEvent): Sources {
  switch (event.type) {
    case 'CustomerRegistered': {
      const { profile, externalId } = event.data;
      return {
        ...sources,
        firstName: profile.firstName ?? null,
        lastName: profile.lastName ?? null,
        email: profile.email ?? null,
        phone: profile.phone ?? null,
        externalId: externalId ?? null,
      };
    }
    case 'CustomerProfileUpdated': {
      const { changes } = event.data;
      // Absent: unchanged; JSON null (defensive): cleared.
      const pick = (field: (typeof NAME_AND_CONTACT_FIELDS)[number]): string | null =>
        changes[field] === undefined ? sources[field] : changes[field] ?? null;
      return { ...sources, firstName: pick('firstName'), lastName: pick('lastName'), email: pick('email'), phone: pick('phone') };
    }
    case 'ContactPointAdded': {
      const { kind, value } = event.data;
      if (kind === 'email' && !sources.contactEmails.includes(value)) return { ...sources, contactEmails: [...sources.contactEmails, value] };
      if (kind === 'phone' && !sources.contactPhones.includes(value)) return { ...sources, contactPhones: [...sources.contactPhones, value] };
      return sources;
    }
    case 'CustomerForgotten':
      // Found by no personal field any more, nor by the id the shop knows them by.
      return emptySources(sources.customerId);
  }
}

function fieldsOf(doc: CustomerLookupSourcesDocument): CustomerLookupSourcesFields {
  const { id: _id, lastPosition: _lastPosition, ...fields } = doc;
  return fields;
}

export const customerLookupProjection: Projection = {
  name: 'customer-lookup',
  collections: [
    { name: CUSTOMER_LOOKUP_COLLECTION, indexes: [{ fields: [{ field: 'key', direction: 'asc' }] }] },
    { name: CUSTOMER_LOOKUP_SOURCES_COLLECTION, indexes: [] },
  ],

  touches(event: RecordedEvent): readonly DocumentRef[] {
    return lookupEvent(event) ? [{ collection: CUSTOMER_LOOKUP_SOURCES_COLLECTION, id: event.metadata.customerId }] : [];
  },

  apply(event: RecordedEvent, view: ProjectionView): readonly DocumentChange[] {
    const relevant = lookupEvent(event);
    if (!relevant) return [];
    const customerId = event.metadata.customerId;
    const stored = view.get<CustomerLookupSourcesDocument>(CUSTOMER_LOOKUP_SOURCES_COLLECTION, customerId);
    const before = stored ? fieldsOf(stored) : emptySources(customerId);
    const { keys: oldKeys, displayName: oldDisplayName, ...oldSources } = before;
    const sources = evolveSources(oldSources, relevant);
    const keys = isCustomerForgotten(event) ? [] : lookupKeys(sources);
    const displayName = fullName(sources.firstName, sources.lastName);

    const kept = new Set(keys);
    const known = new Set(oldKeys);
    // Every key document carries the display name, so a name change rewrites them all.
    const toWrite = displayName === oldDisplayName ? keys.filter((key) => !known.has(key)) : keys;
    const changes: DocumentChange[] = [
      ...oldKeys
        .filter((key) => !kept.has(key))
        .map((key): DocumentChange => ({ collection: CUSTOMER_LOOKUP_COLLECTION, id: lookupDocumentId(key, customerId), doc: null })),
      ...toWrite.map((key): DocumentChange => ({
        collection: CUSTOMER_LOOKUP_COLLECTION,
        id: lookupDocumentId(key, customerId),
        doc: { key, customerId, displayName } satisfies CustomerLookupFields,
      })),
      {
        collection: CUSTOMER_LOOKUP_SOURCES_COLLECTION,
        id: customerId,
        doc: { ...sources, displayName, keys } satisfies CustomerLookupSourcesFields,
      },
    ];
    return changes;
  },
};
