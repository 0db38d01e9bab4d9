// Which Chronicle processes may share a data folder, enforced at start before any store is opened.
// SQLite itself coordinates several writers of events.sqlite (command-api replicas), and
// subscriptions in other processes find new events by polling, so those share freely. What must
// run once is claimed with a process lock (released by the OS when the process ends, kill -9
// included): the all-in-one process per data folder, the one writer of read-models.sqlite (the
// projector, or a rebuild), and the one relay of events.sqlite.
import { resolve, join } from 'node:path';
import type { ChronicleConfig } from '@app/platform';
import { describeHolder, ProcessLock, ProcessLockHeldError } from '@app/sqlite';
import { partsOf } from './chronicle.module';

const SPLIT_ROLES_DOCS = 'deploy/README.md, "Several processes on one data folder"';

/** A second claimant: the message says which folder, who holds it since when, and what to do. */
export class DataDirInUseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirInUseError';
  }
}

/** The claims a process holds; release them after its stores are closed. */
export interface DataDirClaims {
  release(): void;
}

type Claim = 'embedded' | 'read-models' | 'relay';

const NO_CLAIMS: DataDirClaims = { release: () => undefined };

/** The claims of a server process, from its role and engines, taken in a fixed order. */
export function claimDataDir(config: ChronicleConfig): DataDirClaims {
  const parts = partsOf(config);
  const wanted: Claim[] = [];
  if (config.CHRONICLE_ROLE === 'all' && (config.EVENT_STORE === 'sqlite' || config.READ_STORE === 'sqlite')) wanted.push('embedded');
  if (parts.has('projector') && config.READ_STORE === 'sqlite') wanted.push('read-models');
  if (parts.has('relay') && config.EVENT_STORE === 'sqlite') wanted.push('relay');
  return take(config, wanted, config.CHRONICLE_ROLE);
}

/** The read-model writer's claim, for `chronicle rebuild`: refused while a projector runs on the same files. */
export function claimReadModels(config: ChronicleConfig, role: string): DataDirClaims {
  return config.READ_STORE === 'sqlite' ? take(config, ['read-models'], role) : NO_CLAIMS;
}

function take(config: ChronicleConfig, wanted: readonly Claim[], role: string): DataDirClaims {
  const held: ProcessLock[] = [];
  const release = () => {
    for (const lock of held.splice(0).reverse()) lock.release();
  };
  try {
    for (const claim of wanted) held.push(acquire(config, claim, role));
  } catch (error) {
    release();
    throw error;
  }
  return { release };
}

function acquire(config: ChronicleConfig, claim: Claim, role: string): ProcessLock {
  const dataDir = resolve(config.DATA_DIR);
  try {
    return ProcessLock.acquire(join(dataDir, 'locks', `${claim}.lock`), { role });
  } catch (error) {
    if (!(error instanceof ProcessLockHeldError)) throw error;
    const holder = describeHolder(error.holder);
    switch (claim) {
      case 'embedded':
        throw new DataDirInUseError(
          `the data folder ${dataDir} is in use by another all-in-one Chronicle process: ${holder}.\n` +
            `  One embedded process (CHRONICLE_ROLE=all) per data folder: stop the other one, or give this one its own DATA_DIR.\n` +
            `  To run several processes on one data folder, split the roles (command-api replicas, one projector, query-api replicas): see ${SPLIT_ROLES_DOCS}.`,
        );
      case 'read-models':
        throw new DataDirInUseError(
          `the read models in ${join(dataDir, 'read-models.sqlite')} are being written by another process: ${holder}.\n` +
            `  One writer per read-model file (a process with CHRONICLE_ROLE=all or projector, or chronicle rebuild): stop the other one first, or give this one its own DATA_DIR.\n` +
            `  How the roles share a data folder: see ${SPLIT_ROLES_DOCS}.`,
        );
      case 'relay':
        throw new DataDirInUseError(
          `the event log in ${join(dataDir, 'events.sqlite')} is already relayed to Kafka by another process: ${holder}.\n` +
            `  One relay per event log (a second one would publish every event twice): stop the other one first.\n` +
            `  How the roles share a data folder: see ${SPLIT_ROLES_DOCS}.`,
        );
    }
  }
}
