export * from './write-lock';
export * from './process-lock';
