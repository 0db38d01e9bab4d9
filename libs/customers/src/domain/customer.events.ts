// Events of the `customer-<id>` stream: identity and profile only.
import type { DomainEvent } from '@app/event-sourcing';

export type Gender = 'female' | 'male' | 'diverse' | 'unspecified';
export type ContactPointKind = 'email' | 'phone' | 'address';
export type ConsentPurpose = 'marketing_email' | 'marketing_sms' | 'marketing_phone' | 'profiling' | 'third_party_sharing';
export const CONSENT_PURPOSES: readonly ConsentPurpose[] = ['marketing_email', 'marketing_sms', 'marketing_phone', 'profiling', 'third_party_sharing'];
export const GENDERS: readonly Gender[] = ['female', 'male', 'diverse', 'unspecified'];
export const CONTACT_POINT_KINDS: readonly ContactPointKind[] = ['email', 'phone', 'address'];

/**
 * Every field is optional: a customer may be known only by an email, a phone or its ids. Older
 * events may hold null where a field is absent; readers treat both alike.
 */
export interface CustomerProfile {
  readonly firstName?: string;
  readonly lastName?: string;
  /** Primary email, lower-cased. */
  readonly email?: string;
  /** Primary phone in E.164 (`+4930123456`). */
  readonly phone?: string;
  /** ISO date `YYYY-MM-DD`. */
  readonly birthDate?: string;
  readonly gender?: Gender;
  /** ISO 3166-1 alpha-2. */
  readonly country?: string;
  readonly city?: string;
  readonly language?: string;
}

/** A change set: a field left out stays as it is, null clears it (JSON merge patch). */
export type ProfileChanges = { readonly [K in keyof CustomerProfile]?: CustomerProfile[K] | null };

export type CustomerRegistered = DomainEvent<'CustomerRegistered', {
  readonly customerId: string;
  /** The id the customer has in the publishing system (shop account id, CRM id). */
  readonly externalId?: string;
  readonly profile: CustomerProfile;
}>;

export type CustomerProfileUpdated = DomainEvent<'CustomerProfileUpdated', {
  readonly customerId: string;
  /** Only the fields that changed, with their new values; null: the field was cleared. */
  readonly changes: ProfileChanges;
}>;

export type ContactPointAdded = DomainEvent<'ContactPointAdded', {
  readonly customerId: string;
  readonly kind: ContactPointKind;
  readonly value: string;
  readonly label?: string;
}>;

export type ConsentGiven = DomainEvent<'ConsentGiven', {
  readonly customerId: string;
  readonly purpose: ConsentPurpose;
  /** Where it was given (web form, phone call, store). */
  readonly via: string;
}>;

export type ConsentWithdrawn = DomainEvent<'ConsentWithdrawn', {
  readonly customerId: string;
  readonly purpose: ConsentPurpose;
  readonly via: string;
}>;

/**
 * The customer was forgotten (right to erasure): their data key is destroyed, so every personal
 * value in their events reads as FORGOTTEN from now on, and read models replace what they hold.
 * Always the stream's last event: the decider refuses everything after it.
 */
export type CustomerForgotten = DomainEvent<'CustomerForgotten', {
  readonly customerId: string;
  /** Why (the request's legal basis or ticket); kept in clear as evidence of the erasure, so it must name no personal data. */
  readonly reason: string;
  /** The destroyed data key's id; null when the customer never had personal data encrypted. */
  readonly dataKeyId: string | null;
}>;

export type CustomerEvent = CustomerRegistered | CustomerProfileUpdated | ContactPointAdded | ConsentGiven | ConsentWithdrawn | CustomerForgotten;
export const CUSTOMER_EVENT_TYPES: readonly CustomerEvent['type'][] = [
  'CustomerRegistered', 'CustomerProfileUpdated', 'ContactPointAdded', 'ConsentGiven', 'ConsentWithdrawn', 'CustomerForgotten',
];

export const CUSTOMER_FORGOTTEN = 'CustomerForgotten' satisfies CustomerForgotten['type'];
