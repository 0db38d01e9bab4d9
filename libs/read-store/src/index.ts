export * from './read-store.port';
export * from './projection';
