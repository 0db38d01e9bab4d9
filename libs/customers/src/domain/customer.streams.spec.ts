import type { CustomerCommand } from './customer.commands';
import { customerIdOfCustomerCommand, customerStreamId, streamIdForCustomerCommand } from './customer.streams';

describe('customer streams', () => {
  const commands: CustomerCommand[] = [
    { type: 'RegisterCustomer', customerId: 'c-1', profile: { firstName: 'A', lastName: 'B' } },
    { type: 'UpdateCustomerProfile', customerId: 'c-1', changes: { city: 'Rome' } },
    { type: 'AddContactPoint', customerId: 'c-1', kind: 'email', value: 'a@b.c' },
    { type: 'GiveConsent', customerId: 'c-1', purpose: 'profiling', via: 'web' },
    { type: 'WithdrawConsent', customerId: 'c-1', purpose: 'profiling', via: 'web' },
  ];

  it.each(commands.map((command) => [command.type, command] as const))('%s targets the customer stream', (_type, command) => {
    expect(streamIdForCustomerCommand(command)).toBe('customer-c-1');
    expect(customerIdOfCustomerCommand(command)).toBe('c-1');
  });

  it('names customer streams <category>-<id>', () => {
    expect(customerStreamId('42')).toBe('customer-42');
  });
});
