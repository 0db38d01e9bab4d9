// EventStoreDB's adapters, imported as `@app/event-store/eventstoredb` where EVENT_STORE=eventstoredb is
// configured: the gRPC client they load costs every thread that loads it (~20 MB of RSS), so the
// package's main entry, which the embedded default and its worker threads load, does not reach them.
export { EventStoreDbEventStore, type EventStoreDbEventStoreOptions } from './eventstoredb-event-store';
export { EventStoreDbLogSealer, type EventStoreDbLogSealerOptions } from './eventstoredb-log-sealer';
export { EventStoreDbIdempotencyKeys, type EventStoreDbIdempotencyKeysOptions } from './eventstoredb-idempotency-keys';
export { EventStoreDbAccessLog, ACCESS_LOG_STREAM } from './eventstoredb-access-log';
export { EventStoreDbSessionRevocations, type EventStoreDbSessionRevocationsOptions } from './eventstoredb-session-revocations';
export { EventStoreDbSnapshotStore } from './eventstoredb-snapshot-store';
