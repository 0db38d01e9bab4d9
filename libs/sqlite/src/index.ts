export * from './write-lock';
export * from './process-lock';
export * from './background-checkpoints';
export * from './shared-file';
export * from './write-thread';
