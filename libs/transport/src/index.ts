export { ProjectorRunner, type ProjectorRunnerOptions } from './projector/projector-runner';
export { AppliedListeners, type AppliedEventsListener } from './projector/applied-listeners';
export { EmbeddedProjector, type EmbeddedProjectorOptions, type EmbeddedProjectorState } from './embedded/embedded-projector';
export { PositionWaiters } from './projector/position-waiters';
export { StoredCheckpointProgress } from './projector/stored-checkpoint-progress';
export { EventReactor, logLag, type EventReactorOptions, type EventReactorState, type ReactionHandler } from './reactor/event-reactor';
export type { CheckpointStore } from './kafka/checkpoint-store';
export { EventStoreCheckpointStore } from './kafka/event-store-checkpoint-store';
export { EventStoreLeaseStore, leaseStreamId } from './leases/event-store-lease-store';
