export * from './domain/customer.events';
export * from './domain/customer.commands';
export * from './domain/customer-status';
export * from './domain/customer.decider';
export * from './domain/customer.streams';
