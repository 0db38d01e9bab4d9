// Which failures mean "the data store cannot serve now" (503 and readiness down) rather than a bug
// (500). The drivers' own codes and names, read here so that no adapter has to wrap every call:
// SQLite result codes (better-sqlite3's SqliteError.code, extended codes included), the operating
// system's (a read-only or full file system), MongoDB's and EventStoreDB's "server unreachable".

const SQLITE_UNAVAILABLE = /^SQLITE_(READONLY|CANTOPEN|IOERR|FULL|BUSY|LOCKED|PERM|NOTADB|CORRUPT|AUTH)(_|$)/;
const SYSTEM_UNAVAILABLE = new Set(['EROFS', 'ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EIO', 'EMFILE', 'ENFILE']);
const MONGO_UNAVAILABLE = new Set(['MongoNetworkError', 'MongoNetworkTimeoutError', 'MongoServerSelectionError', 'MongoNotConnectedError', 'MongoTopologyClosedError']);
/** @eventstore/db-client's CommandError `type`s for a node that cannot serve (its names are all "Error"). */
const EVENTSTOREDB_UNAVAILABLE = new Set(['unavailable', 'deadline-exceeded', 'not-leader']);

/** How long a client is told to wait before retrying a 503. */
export const STORAGE_RETRY_AFTER_SECONDS = 5;

export function isStorageUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, name, type } = error as { code?: unknown; name?: unknown; type?: unknown };
  if (typeof code === 'string' && (SQLITE_UNAVAILABLE.test(code) || SYSTEM_UNAVAILABLE.has(code))) return true;
  if (typeof name === 'string' && MONGO_UNAVAILABLE.has(name)) return true;
  return typeof type === 'string' && typeof code === 'number' && EVENTSTOREDB_UNAVAILABLE.has(type);
}
