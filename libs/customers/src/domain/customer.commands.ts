// Commands on the `customer-<id>` stream.
import type { ConsentPurpose, ContactPointKind, CustomerProfile, ProfileChanges } from './customer.events';

export type RegisterCustomer = { readonly type: 'RegisterCustomer'; readonly customerId: string; readonly externalId?: string; readonly profile: CustomerProfile };
export type UpdateCustomerProfile = { readonly type: 'UpdateCustomerProfile'; readonly customerId: string; readonly changes: ProfileChanges };
export type AddContactPoint = { readonly type: 'AddContactPoint'; readonly customerId: string; readonly kind: ContactPointKind; readonly value: string; readonly label?: string };
export type GiveConsent = { readonly type: 'GiveConsent'; readonly customerId: string; readonly purpose: ConsentPurpose; readonly via: string };
export type WithdrawConsent = { readonly type: 'WithdrawConsent'; readonly customerId: string; readonly purpose: ConsentPurpose; readonly via: string };

export type ForgetCustomer = { readonly type: 'ForgetCustomer'; readonly customerId: string; readonly reason: string; readonly dataKeyId: string | null };

export type CustomerCommand = RegisterCustomer | UpdateCustomerProfile | AddContactPoint | GiveConsent | WithdrawConsent | ForgetCustomer;
