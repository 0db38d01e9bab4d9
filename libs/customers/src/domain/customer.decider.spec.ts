import { DeciderSpecification, DomainError, DomainErrorCode, fold } from '@app/event-sourcing';
import type { CustomerCommand } from './customer.commands';
import { customerDecider, type CustomerState } from './customer.decider';
import type { CustomerEvent, CustomerProfile } from './customer.events';

const spec = DeciderSpecification.for(customerDecider);

const profile: CustomerProfile = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', country: 'GB' };
const registered: CustomerEvent = { type: 'CustomerRegistered', data: { customerId: 'c1', externalId: 'shop-7', profile } };

function refusalOf(given: readonly CustomerEvent[], command: CustomerCommand): DomainError {
  try {
    customerDecider.decide(command, fold(customerDecider, given));
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error(`Expected ${command.type} to be refused`);
}

describe('customer decider', () => {
  describe('RegisterCustomer', () => {
    it('registers a new customer', () => {
      spec.given([]).when({ type: 'RegisterCustomer', customerId: 'c1', externalId: 'shop-7', profile }).then([registered]);
    });

    it('leaves externalId out of the event when the command has none', () => {
      spec.given([]).when({ type: 'RegisterCustomer', customerId: 'c1', profile })
        .then([{ type: 'CustomerRegistered', data: { customerId: 'c1', profile } }]);
    });

    it('refuses a second registration', () => {
      spec.given([registered]).when({ type: 'RegisterCustomer', customerId: 'c1', profile }).thenThrows(DomainErrorCode.AlreadyExists, 'already registered');
    });

    it.each([
      ['only a first name', { firstName: 'OnlyFirst' }],
      ['only a last name', { lastName: 'OnlyLast' }],
      ['only an email', { email: 'only@example.com' }],
      ['an empty profile', {}],
    ])('registers a customer with %s: every profile field is optional', (_what, partial: CustomerProfile) => {
      spec.given([]).when({ type: 'RegisterCustomer', customerId: 'c1', profile: partial }).then([{ type: 'CustomerRegistered', data: { customerId: 'c1', profile: partial } }]);
    });

    it('leaves fields given as undefined out of the event', () => {
      spec.given([]).when({ type: 'RegisterCustomer', customerId: 'c1', profile: { firstName: 'Ada', lastName: undefined } })
        .then([{ type: 'CustomerRegistered', data: { customerId: 'c1', profile: { firstName: 'Ada' } } }]);
    });

    it.each([
      ['firstName', { ...profile, firstName: '   ' }],
      ['lastName', { ...profile, lastName: '' }],
    ])('refuses a blank %s', (name, blank) => {
      const command: CustomerCommand = { type: 'RegisterCustomer', customerId: 'c1', profile: blank };
      spec.given([]).when(command).thenThrows(DomainErrorCode.RuleViolated, name);
      expect(refusalOf([], command).field).toBe(`profile.${name}`);
    });
  });

  describe('UpdateCustomerProfile', () => {
    it('records only the fields that change', () => {
      spec.given([registered])
        .when({ type: 'UpdateCustomerProfile', customerId: 'c1', changes: { firstName: 'Ada', city: 'London', email: 'ada@lovelace.org' } })
        .then([{ type: 'CustomerProfileUpdated', data: { customerId: 'c1', changes: { city: 'London', email: 'ada@lovelace.org' } } }]);
    });

    it('records nothing when nothing changes', () => {
      spec.given([registered]).when({ type: 'UpdateCustomerProfile', customerId: 'c1', changes: { firstName: 'Ada', country: 'GB' } }).then([]);
    });

    it('ignores fields given as undefined', () => {
      spec.given([registered]).when({ type: 'UpdateCustomerProfile', customerId: 'c1', changes: { email: undefined } }).then([]);
    });

    it('compares against the profile as already updated', () => {
      const moved: CustomerEvent = { type: 'CustomerProfileUpdated', data: { customerId: 'c1', changes: { city: 'London' } } };
      spec.given([registered, moved]).when({ type: 'UpdateCustomerProfile', customerId: 'c1', changes: { city: 'London' } }).then([]);
    });

    it('refuses an unknown customer', () => {
      const command: CustomerCommand = { type: 'UpdateCustomerProfile', customerId: 'c9', changes: { city: 'Paris' } };
      spec.given([]).when(command).thenThrows(DomainErrorCode.NotFound, 'Customer c9 is not registered');
      expect(refusalOf([], command).field).toBe('customerId');
    });

    it('clears a field given as null, names included', () => {
      spec.given([registered]).when({ type: 'UpdateCustomerProfile', customerId: 'c1', changes: { firstName: null, country: null } })
        .then([{ type: 'CustomerProfileUpdated', data: { customerId: 'c1', changes: { firstName: null, country: null } } }]);
    });

    it('records nothing for clearing a field that is not set', () => {
      spec.given([registered]).when({ type: 'UpdateCustomerProfile', customerId: 'c1', changes: { city: null, phone: null } }).then([]);
    });

    it('compares against a profile whose field was cleared', () => {
      const cleared: CustomerEvent = { type: 'CustomerProfileUpdated', data: { customerId: 'c1', changes: { firstName: null } } };
      spec.given([registered, cleared]).when({ type: 'UpdateCustomerProfile', customerId: 'c1', changes: { firstName: null } }).then([]);
      spec.given([registered, cleared]).when({ type: 'UpdateCustomerProfile', customerId: 'c1', changes: { firstName: 'Ada' } })
        .then([{ type: 'CustomerProfileUpdated', data: { customerId: 'c1', changes: { firstName: 'Ada' } } }]);
    });

    it.each(['firstName', 'lastName'] as const)('refuses blanking %s', (name) => {
      const command: CustomerCommand = { type: 'UpdateCustomerProfile', customerId: 'c1', changes: { [name]: ' ' } };
      spec.given([registered]).when(command).thenThrows(DomainErrorCode.RuleViolated, name);
      expect(refusalOf([registered], command).field).toBe(`changes.${name}`);
    });
  });

  describe('AddContactPoint', () => {
    const added: CustomerEvent = { type: 'ContactPointAdded', data: { customerId: 'c1', kind: 'phone', value: '+4930123456', label: 'work' } };

    it('adds a contact point', () => {
      spec.given([registered]).when({ type: 'AddContactPoint', customerId: 'c1', kind: 'phone', value: '+4930123456', label: 'work' }).then([added]);
    });

    it('leaves label out of the event when the command has none', () => {
      spec.given([registered]).when({ type: 'AddContactPoint', customerId: 'c1', kind: 'email', value: 'a@b.c' })
        .then([{ type: 'ContactPointAdded', data: { customerId: 'c1', kind: 'email', value: 'a@b.c' } }]);
    });

    it('records nothing for an exact repeat', () => {
      spec.given([registered, added]).when({ type: 'AddContactPoint', customerId: 'c1', kind: 'phone', value: '+4930123456', label: 'work' }).then([]);
    });

    it('adds the same value under another kind', () => {
      spec.given([registered, { type: 'ContactPointAdded', data: { customerId: 'c1', kind: 'email', value: 'x' } }])
        .when({ type: 'AddContactPoint', customerId: 'c1', kind: 'address', value: 'x' })
        .then([{ type: 'ContactPointAdded', data: { customerId: 'c1', kind: 'address', value: 'x' } }]);
    });

    it('refuses the same kind and value under a different label', () => {
      const command: CustomerCommand = { type: 'AddContactPoint', customerId: 'c1', kind: 'phone', value: '+4930123456', label: 'home' };
      spec.given([registered, added]).when(command).thenThrows(DomainErrorCode.AlreadyExists, 'already has this phone under another label');
      const refusal = refusalOf([registered, added], command);
      expect(refusal.field).toBe('value');
      // Problem documents and logs carry the message: it must not echo the personal value.
      expect(refusal.message).not.toContain('+4930123456');
    });

    it('refuses a blank value', () => {
      const command: CustomerCommand = { type: 'AddContactPoint', customerId: 'c1', kind: 'email', value: '  ' };
      spec.given([registered]).when(command).thenThrows(DomainErrorCode.RuleViolated, 'needs a value');
      expect(refusalOf([registered], command).field).toBe('value');
    });

    it('refuses an unknown customer', () => {
      spec.given([]).when({ type: 'AddContactPoint', customerId: 'c9', kind: 'email', value: 'a@b.c' }).thenThrows(DomainErrorCode.NotFound, 'Customer c9 is not registered');
    });
  });

  describe('GiveConsent', () => {
    const given: CustomerEvent = { type: 'ConsentGiven', data: { customerId: 'c1', purpose: 'marketing_email', via: 'web' } };

    it('records a consent', () => {
      spec.given([registered]).when({ type: 'GiveConsent', customerId: 'c1', purpose: 'marketing_email', via: 'web' }).then([given]);
    });

    it('records nothing when the consent is already given', () => {
      spec.given([registered, given]).when({ type: 'GiveConsent', customerId: 'c1', purpose: 'marketing_email', via: 'phone' }).then([]);
    });

    it('records a consent given again after a withdrawal', () => {
      const withdrawn: CustomerEvent = { type: 'ConsentWithdrawn', data: { customerId: 'c1', purpose: 'marketing_email', via: 'web' } };
      spec.given([registered, given, withdrawn]).when({ type: 'GiveConsent', customerId: 'c1', purpose: 'marketing_email', via: 'store' })
        .then([{ type: 'ConsentGiven', data: { customerId: 'c1', purpose: 'marketing_email', via: 'store' } }]);
    });

    it('refuses an unknown customer', () => {
      spec.given([]).when({ type: 'GiveConsent', customerId: 'c9', purpose: 'profiling', via: 'web' }).thenThrows(DomainErrorCode.NotFound, 'Customer c9 is not registered');
    });
  });

  describe('WithdrawConsent', () => {
    const given: CustomerEvent = { type: 'ConsentGiven', data: { customerId: 'c1', purpose: 'marketing_sms', via: 'web' } };
    const withdrawn: CustomerEvent = { type: 'ConsentWithdrawn', data: { customerId: 'c1', purpose: 'marketing_sms', via: 'phone' } };

    it('withdraws a given consent', () => {
      spec.given([registered, given]).when({ type: 'WithdrawConsent', customerId: 'c1', purpose: 'marketing_sms', via: 'phone' }).then([withdrawn]);
    });

    it('records nothing when the consent was never given', () => {
      spec.given([registered]).when({ type: 'WithdrawConsent', customerId: 'c1', purpose: 'marketing_sms', via: 'phone' }).then([]);
    });

    it('records nothing when the consent is already withdrawn', () => {
      spec.given([registered, given, withdrawn]).when({ type: 'WithdrawConsent', customerId: 'c1', purpose: 'marketing_sms', via: 'web' }).then([]);
    });

    it('refuses an unknown customer', () => {
      spec.given([]).when({ type: 'WithdrawConsent', customerId: 'c9', purpose: 'profiling', via: 'web' }).thenThrows(DomainErrorCode.NotFound, 'Customer c9 is not registered');
    });
  });

  describe('ForgetCustomer', () => {
    const forgotten: CustomerEvent = { type: 'CustomerForgotten', data: { customerId: 'c1', reason: 'GDPR art. 17, ticket 991', dataKeyId: 'k-1' } };
    const forget: CustomerCommand = { type: 'ForgetCustomer', customerId: 'c1', reason: 'GDPR art. 17, ticket 991', dataKeyId: 'k-1' };

    it('forgets a registered customer', () => {
      spec.given([registered]).when(forget).then([forgotten]);
    });

    it('records nothing when the customer is forgotten already, whatever the reason of the retry', () => {
      spec.given([registered, forgotten]).when({ ...forget, reason: 'another ticket', dataKeyId: null }).then([]);
    });

    it('refuses an unknown customer', () => {
      spec.given([]).when(forget).thenThrows(DomainErrorCode.NotFound, 'not registered');
    });

    it('refuses a blank reason', () => {
      spec.given([registered]).when({ ...forget, reason: '  ' }).thenThrows(DomainErrorCode.RuleViolated, 'reason');
    });

    it.each<CustomerCommand>([
      { type: 'UpdateCustomerProfile', customerId: 'c1', changes: { city: 'Paris' } },
      { type: 'AddContactPoint', customerId: 'c1', kind: 'email', value: 'new@example.com' },
      { type: 'GiveConsent', customerId: 'c1', purpose: 'marketing_email', via: 'web' },
      { type: 'RegisterCustomer', customerId: 'c1', profile },
    ])('refuses $type once the customer is forgotten', (command) => {
      spec.given([registered, forgotten]).when(command).thenThrows(DomainErrorCode.InvalidState, 'was forgotten');
    });

    // Found from outside: a withdrawal after the forget was refused (409), as if the consent still stood.
    it('takes a withdrawal once the customer is forgotten, recording nothing: every consent ended with the forget', () => {
      spec.given([registered, { type: 'ConsentGiven', data: { customerId: 'c1', purpose: 'marketing_email', via: 'web' } }, forgotten])
        .when({ type: 'WithdrawConsent', customerId: 'c1', purpose: 'marketing_email', via: 'web' })
        .then([]);
    });

    it('folds to forgotten, keeping nothing but the id', () => {
      expect(fold(customerDecider, [registered, forgotten])).toStrictEqual({ status: 'forgotten', customerId: 'c1' });
    });
  });

  describe('evolve', () => {
    it('starts unknown', () => {
      expect(customerDecider.initialState()).toEqual({ status: 'unknown' });
    });

    it('reads null in the profile of older events as absent', () => {
      const old = { type: 'CustomerRegistered', data: { customerId: 'c1', profile: { firstName: null, lastName: 'Lovelace', email: null } } } as unknown as CustomerEvent;
      expect(fold(customerDecider, [old])).toMatchObject({ status: 'active', profile: { lastName: 'Lovelace' } });
      expect(Object.keys((fold(customerDecider, [old]) as { profile: object }).profile)).toEqual(['lastName']);
    });

    it('folds a representative history into the current customer', () => {
      const history: CustomerEvent[] = [
        registered,
        { type: 'CustomerProfileUpdated', data: { customerId: 'c1', changes: { city: 'London', email: 'ada@lovelace.org' } } },
        { type: 'ContactPointAdded', data: { customerId: 'c1', kind: 'phone', value: '+4930123456', label: 'work' } },
        { type: 'ContactPointAdded', data: { customerId: 'c1', kind: 'address', value: '12 St James Sq' } },
        { type: 'ConsentGiven', data: { customerId: 'c1', purpose: 'marketing_email', via: 'web' } },
        { type: 'ConsentGiven', data: { customerId: 'c1', purpose: 'profiling', via: 'web' } },
        { type: 'ConsentWithdrawn', data: { customerId: 'c1', purpose: 'marketing_email', via: 'phone' } },
      ];
      const expected: CustomerState = {
        status: 'active',
        customerId: 'c1',
        externalId: 'shop-7',
        profile: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@lovelace.org', country: 'GB', city: 'London' },
        contactPoints: [
          { kind: 'phone', value: '+4930123456', label: 'work' },
          { kind: 'address', value: '12 St James Sq' },
        ],
        consents: { marketing_email: 'withdrawn', profiling: 'given' },
      };
      expect(fold(customerDecider, history)).toStrictEqual(expected);
    });
  });
});
