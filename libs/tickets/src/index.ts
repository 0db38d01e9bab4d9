export * from './domain/ticket.events';
export * from './domain/ticket.commands';
export * from './domain/ticket.decider';
export * from './domain/ticket.streams';
