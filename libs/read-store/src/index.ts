export * from './read-store.port';
export * from './projection';
export * from './generational-read-store';
export * from './keyset-pages';
export { SqliteReadStore, type SqliteReadStoreOptions, type SqliteReadStoreWrites } from './sqlite/sqlite-read-store';
