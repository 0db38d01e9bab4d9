export * from './key-store.port';
export { MasterKeyRing, type WrappedKey } from './master-key-ring';
export { CachedKeyStore, type CachedKeyStoreOptions } from './cached-key-store';
export { SqliteKeyStore, type SqliteKeyStoreOptions } from './sqlite/sqlite-key-store';
