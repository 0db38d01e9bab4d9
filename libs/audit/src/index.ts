// The auditor's capability: history with full envelopes, the customer as of any point, the access log.
export * from './as-of/customer-as-of';
export * from './api/audit.controller';
export * from './api/audit-answers';
export * from './api/audit.module';
export * from './api/ndjson-response';
