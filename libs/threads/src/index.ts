// Worker threads on Chronicle's own modules, from dist/ or from the TypeScript sources: the SQLite
// event store's writer thread and the embedded projector thread start through here.
export { startModuleWorker } from './module-worker';
