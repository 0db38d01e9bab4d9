export * from './chronicle.module';
export * from './start-chronicle';
export * from './engines';
export * from './read-models';
export * from './cli/chronicle-cli';
export * from './cli/rebuild';
export * from './demo/seed';
export * from './demo/demo-data';
