// Worker threads on Chronicle's own modules, from dist/ or from the TypeScript sources (the SQLite
// event store's writer thread and the embedded projector thread start through here), and the turns
// long loops give the event loop of the thread they run on, and a thread's own CPU priority.
export { startModuleWorker } from './module-worker';
export { shareTurn, TURN_MS } from './event-loop-turns';
export { lowerThreadPriority, threadNice } from './thread-priority';
export { ThreadEnd } from './thread-end';
