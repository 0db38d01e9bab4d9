// Which Chronicle processes may share a data folder, enforced at start before any store is opened.
// SQLite itself coordinates several writers of one file (command-api replicas, a projector beside
// them; their writes wait for each other's lock on a timer), subscriptions in other processes find
// new events by polling, and single-instance work (relay, embedded projector, reactors) runs under
// a lease in the event store. What a lease cannot do is refuse a second all-in-one process on the
// same folder at start, loudly, before it opens anything: that is the one claim here, a process
// lock the OS releases when the process ends (kill -9 included), so it is never stale.
import { resolve, join } from 'node:path';
import { describeSetting, StartupError, systemReason, type ChronicleConfig } from '@app/platform';
import { describeHolder, ProcessLock, ProcessLockHeldError } from '@app/sqlite';

const SPLIT_ROLES_DOCS = 'deploy/README.md, "Several processes on one data folder"';

/** A second all-in-one process: the message says which folder, who holds it since when, and what to do. */
export class DataDirInUseError extends StartupError {
  constructor(problems: readonly string[]) {
    super(problems);
    this.name = 'DataDirInUseError';
  }
}

/** The claims a process holds; release them after its stores are closed. */
export interface DataDirClaims {
  release(): void;
}

const NO_CLAIMS: DataDirClaims = { release: () => undefined };

/** The all-in-one process's claim on its data folder (other roles share the folder and claim nothing). */
export function claimDataDir(config: ChronicleConfig): DataDirClaims {
  if (config.CHRONICLE_ROLE !== 'all' || (config.EVENT_STORE !== 'sqlite' && config.READ_STORE !== 'sqlite')) return NO_CLAIMS;
  const dataDir = resolve(config.DATA_DIR);
  const file = join(dataDir, 'locks', 'embedded.lock');
  try {
    const lock = ProcessLock.acquire(file, { role: config.CHRONICLE_ROLE });
    return { release: () => lock.release() };
  } catch (error) {
    if (!(error instanceof ProcessLockHeldError)) {
      throw new StartupError([describeSetting('DATA_DIR', config.DATA_DIR, `${file} cannot be written by this process (${systemReason(error)})`)]);
    }
    throw new DataDirInUseError([
      `DATA_DIR: the data folder ${dataDir} is in use by another all-in-one Chronicle process: ${describeHolder(error.holder)}`,
      'One embedded process (CHRONICLE_ROLE=all) per data folder: stop the other one, or give this one its own DATA_DIR',
      `To run several processes on one data folder, split the roles (command-api replicas, projector, query-api replicas): see ${SPLIT_ROLES_DOCS}`,
    ]);
  }
}
