// Customer segments: a typed rule language, event-sourced definitions, memberships recorded as
// events per customer, the evaluator driven by the log and by time, and the HTTP API.
export * from './domain/segment-rule';
export * from './domain/segment-rule.evaluator';
export * from './domain/segment.events';
export * from './domain/segment.commands';
export * from './domain/segment.decider';
export * from './domain/segment.streams';
export * from './projections';
export * from './evaluation/customer-facts';
export * from './evaluation/segment-evaluator';
export * from './evaluation/segment-sweep';
export * from './evaluation/segment.reaction';
export * from './evaluation/read-model-gate';
export * from './api/segment-commands';
export * from './api/segments-config';
export * from './api/segments-tokens';
export * from './api/segments.dtos';
export * from './api/segments.command-handler';
export * from './api/segments.queries';
export * from './api/segments.controller';
export * from './api/segments.module';
