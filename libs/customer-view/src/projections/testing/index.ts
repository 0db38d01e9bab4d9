export * from './projection-harness';
export * from './recorded-event-factory';
