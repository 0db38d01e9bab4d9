export * from './read-store.port';
export * from './projection';
export * from './generational-read-store';
export { SqliteReadStore, type SqliteReadStoreOptions } from './sqlite/sqlite-read-store';
