export * from './event-store.port';
export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite/sqlite-event-store';
export { EventStoreDbEventStore, type EventStoreDbEventStoreOptions } from './eventstoredb/eventstoredb-event-store';
export { EventStoreDbLogSealer, type EventStoreDbLogSealerOptions } from './eventstoredb/eventstoredb-log-sealer';
export { CodecEventStore, composeCodecs, upcastingCodec, type EventCodec } from './codec-event-store';
export * from './idempotency-keys.port';
export { SqliteIdempotencyKeys, type SqliteIdempotencyKeysOptions } from './sqlite/sqlite-idempotency-keys';
export { EventStoreDbIdempotencyKeys, type EventStoreDbIdempotencyKeysOptions } from './eventstoredb/eventstoredb-idempotency-keys';
