// Identity, profile, contact points and consents of one customer (`customer-<id>`).
import { jsonSnapshot, refuse, type Decider } from '@app/event-sourcing';
import type { AddContactPoint, CustomerCommand, ForgetCustomer, GiveConsent, RegisterCustomer, UpdateCustomerProfile, WithdrawConsent } from './customer.commands';
import type { ConsentPurpose, ContactPointKind, CustomerEvent, CustomerProfile, ProfileChanges } from './customer.events';

export interface ContactPoint {
  readonly kind: ContactPointKind;
  readonly value: string;
  readonly label?: string;
}

/** A purpose never asked about is absent; once asked, it is given or withdrawn. */
export type ConsentStatus = 'given' | 'withdrawn';

export type CustomerState =
  | { readonly status: 'unknown' }
  | {
      readonly status: 'active';
      readonly customerId: string;
      readonly externalId?: string;
      readonly profile: CustomerProfile;
      readonly contactPoints: readonly ContactPoint[];
      readonly consents: Readonly<Partial<Record<ConsentPurpose, ConsentStatus>>>;
    }
  /** Forgotten (right to erasure): nothing more may be recorded about them, and their id is not reused. */
  | { readonly status: 'forgotten'; readonly customerId: string };

type ActiveCustomer = Extract<CustomerState, { status: 'active' }>;

// Listing every field (checked against the type) keeps the diff from copying stray keys into events.
const PROFILE_FIELDS = Object.keys({
  firstName: true, lastName: true, email: true, phone: true, birthDate: true,
  gender: true, country: true, city: true, language: true,
} satisfies Record<keyof CustomerProfile, true>) as (keyof CustomerProfile)[];

export const customerDecider: Decider<CustomerCommand, CustomerState, CustomerEvent> = {
  initialState: () => ({ status: 'unknown' }),

  // A customer's profile, contact points and consents change for as long as they are a customer:
  // commands resume from a snapshot. The state is plain JSON (holding personal values: the snapshot
  // store seals them with the customer's data key where personal data is encrypted).
  snapshot: jsonSnapshot('customer/1'),

  decide(command, state) {
    switch (command.type) {
      case 'RegisterCustomer':
        return register(command, state);
      case 'UpdateCustomerProfile':
        return updateProfile(command, registered(state, command.customerId));
      case 'AddContactPoint':
        return addContactPoint(command, registered(state, command.customerId));
      case 'GiveConsent':
        return giveConsent(command, registered(state, command.customerId));
      case 'WithdrawConsent':
        // Every consent ended with the forget: a withdrawal after it has nothing left to record.
        if (state.status === 'forgotten') return [];
        return withdrawConsent(command, registered(state, command.customerId));
      case 'ForgetCustomer':
        return forget(command, state);
      default: {
        const unhandled: never = command;
        throw new Error(`Unhandled customer command ${String((unhandled as { type?: unknown }).type)}`);
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'CustomerRegistered':
        return {
          status: 'active',
          customerId: event.data.customerId,
          ...(event.data.externalId !== undefined && { externalId: event.data.externalId }),
          profile: withChanges({}, event.data.profile),
          contactPoints: [],
          consents: {},
        };
      case 'CustomerProfileUpdated':
        return whenActive(state, (customer) => ({ ...customer, profile: withChanges(customer.profile, event.data.changes) }));
      case 'ContactPointAdded': {
        const { kind, value, label } = event.data;
        const point: ContactPoint = label === undefined ? { kind, value } : { kind, value, label };
        return whenActive(state, (customer) => ({ ...customer, contactPoints: [...customer.contactPoints, point] }));
      }
      case 'ConsentGiven':
        return whenActive(state, (customer) => ({ ...customer, consents: { ...customer.consents, [event.data.purpose]: 'given' } }));
      case 'ConsentWithdrawn':
        return whenActive(state, (customer) => ({ ...customer, consents: { ...customer.consents, [event.data.purpose]: 'withdrawn' } }));
      case 'CustomerForgotten':
        return { status: 'forgotten', customerId: event.data.customerId };
      default: {
        // Compile-time exhaustiveness; at run time an event type this code does not know is ignored.
        const unknownEvent: never = event;
        void unknownEvent;
        return state;
      }
    }
  },
};

function register(command: RegisterCustomer, state: CustomerState): CustomerEvent[] {
  if (state.status === 'active') throw refuse.alreadyExists(`Customer ${command.customerId} is already registered`, 'customerId');
  if (state.status === 'forgotten') throw forgottenRefusal(command.customerId);
  // Names are optional; given, they must say something.
  if (command.profile.firstName !== undefined) requireName(command.profile.firstName, 'profile.firstName');
  if (command.profile.lastName !== undefined) requireName(command.profile.lastName, 'profile.lastName');
  return [{
    type: 'CustomerRegistered',
    data: {
      customerId: command.customerId,
      ...(command.externalId !== undefined && { externalId: command.externalId }),
      profile: withChanges({}, command.profile),
    },
  }];
}

function updateProfile(command: UpdateCustomerProfile, customer: ActiveCustomer): CustomerEvent[] {
  // null clears a name (names are optional); a name given must say something.
  if (command.changes.firstName != null) requireName(command.changes.firstName, 'changes.firstName');
  if (command.changes.lastName != null) requireName(command.changes.lastName, 'changes.lastName');
  const changes = changedFields(customer.profile, command.changes);
  if (Object.keys(changes).length === 0) return [];
  return [{ type: 'CustomerProfileUpdated', data: { customerId: command.customerId, changes } }];
}

function addContactPoint(command: AddContactPoint, customer: ActiveCustomer): CustomerEvent[] {
  if (command.value.trim() === '') throw refuse.rule('A contact point needs a value', 'value');
  const existing = customer.contactPoints.find((point) => point.kind === command.kind && point.value === command.value);
  if (existing) {
    // The same contact point again is a retry; the same value under another label is a conflicting claim.
    if (existing.label === command.label) return [];
    // The message names the kind, never the value: problem documents and logs carry no personal data.
    throw refuse.alreadyExists(`Customer ${command.customerId} already has this ${command.kind} under another label`, 'value');
  }
  return [{
    type: 'ContactPointAdded',
    data: {
      customerId: command.customerId,
      kind: command.kind,
      value: command.value,
      ...(command.label !== undefined && { label: command.label }),
    },
  }];
}

function giveConsent(command: GiveConsent, customer: ActiveCustomer): CustomerEvent[] {
  if (customer.consents[command.purpose] === 'given') return [];
  return [{ type: 'ConsentGiven', data: { customerId: command.customerId, purpose: command.purpose, via: command.via } }];
}

function withdrawConsent(command: WithdrawConsent, customer: ActiveCustomer): CustomerEvent[] {
  // Withdrawing what was never given changes nothing, so it records nothing.
  if (customer.consents[command.purpose] !== 'given') return [];
  return [{ type: 'ConsentWithdrawn', data: { customerId: command.customerId, purpose: command.purpose, via: command.via } }];
}

/** Forgetting is once: a forgotten customer's retry (whatever its reason) changes nothing. */
function forget(command: ForgetCustomer, state: CustomerState): CustomerEvent[] {
  if (state.status === 'unknown') throw refuse.notFound(`Customer ${command.customerId} is not registered`, 'customerId');
  if (state.status === 'forgotten') return [];
  if (command.reason.trim() === '') throw refuse.rule('reason must not be empty', 'reason');
  return [{ type: 'CustomerForgotten', data: { customerId: command.customerId, reason: command.reason, dataKeyId: command.dataKeyId } }];
}

function registered(state: CustomerState, customerId: string): ActiveCustomer {
  if (state.status === 'unknown') throw refuse.notFound(`Customer ${customerId} is not registered`, 'customerId');
  if (state.status === 'forgotten') throw forgottenRefusal(customerId);
  return state;
}

function forgottenRefusal(customerId: string) {
  return refuse.invalidState(`Customer ${customerId} was forgotten: nothing more is recorded about them`, 'customerId');
}

function requireName(name: unknown, field: string): void {
  if (typeof name !== 'string' || name.trim() === '') throw refuse.rule(`${field} must not be empty`, field);
}

/** The fields that differ: a value that is new, or null for a field that is set (clearing what is not set changes nothing). */
function changedFields(current: CustomerProfile, changes: ProfileChanges): ProfileChanges {
  const changed: Partial<Record<keyof CustomerProfile, unknown>> = {};
  for (const field of PROFILE_FIELDS) {
    const value = changes[field];
    if (value === undefined) continue;
    if (value === null ? current[field] !== undefined : value !== current[field]) changed[field] = value;
  }
  return changed as ProfileChanges;
}

/** The profile with the changes applied: only known fields, null (or absent) leaves no key behind. */
function withChanges(profile: CustomerProfile, changes: ProfileChanges): CustomerProfile {
  const next: Partial<Record<keyof CustomerProfile, unknown>> = { ...profile };
  for (const field of PROFILE_FIELDS) {
    const value = changes[field];
    if (value === null) delete next[field];
    else if (value !== undefined) next[field] = value;
  }
  return next as CustomerProfile;
}

function whenActive(state: CustomerState, change: (customer: ActiveCustomer) => ActiveCustomer): CustomerState {
  // Events of an unregistered customer cannot occur in a valid stream; leave such state untouched.
  return state.status === 'active' ? change(state) : state;
}
