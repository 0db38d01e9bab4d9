export * from './kafka-message';
export * from './kafka-client';
export * from './checkpoint-store';
export * from './event-store-checkpoint-store';
export * from './kafka-relay';
export * from './kafka-projector';
