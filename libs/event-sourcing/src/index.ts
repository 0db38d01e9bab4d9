export * from './envelope';
export * from './decider';
export * from './domain-error';
export * from './clock';
export * from './event-id';
export * from './decider-specification';
export * from './canonical-json';
export * from './text-rules';
