// One rebuild at a time. Two `chronicle rebuild` runs on one deployment would build the same new
// generation from two processes and switch it live twice, and `rebuild drop` during a rebuild would
// remove the generation being built: both take the rebuild lease (kept in the event store, like the
// background pipelines' leases) and renew it while they run. A holder that died on this host (its
// process is gone) is taken over at once, so a rebuild killed with kill -9 can be run again straight
// away; one on another host is waited out (LEASE_TTL_MS after its last renewal).
import { hostname } from 'node:os';
import type { EventStoreLeaseStore } from '@app/transport';

export const REBUILD_LEASE = 'read-model-rebuild';

/** A holder named `<host>:<pid>` whose process no longer exists on this host. */
function goneFromThisHost(holder: string): boolean {
  const [host, pid] = holder.split(':');
  const n = Number(pid);
  if (host !== hostname() || !Number.isSafeInteger(n) || n <= 0) return false;
  try {
    process.kill(n, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Runs `work` holding the rebuild lease, or refuses (throws, nothing done) while another run holds
 * it. `work` gets `stillHeld`, to call right before a change that must not happen twice (switching a
 * generation live): it throws when this run lost the lease meanwhile (it stalled past the TTL).
 */
export async function withRebuildLease<T>(
  leases: EventStoreLeaseStore,
  ttlMs: number,
  work: (stillHeld: () => Promise<void>) => Promise<T>,
  self = `${hostname()}:${process.pid}`,
): Promise<T> {
  if (!(await leases.acquire(REBUILD_LEASE, self, ttlMs))) {
    const current = await leases.current(REBUILD_LEASE);
    const takenOver = current !== null && goneFromThisHost(current.holder) && (await leases.takeOver(REBUILD_LEASE, current.holder, self, ttlMs));
    if (!takenOver) {
      throw new Error(
        current === null
          ? 'Another rebuild took the rebuild lease just now; nothing was changed'
          : `Another rebuild is running: ${current.holder} holds the rebuild lease (renewed while it runs; it lapses ${ttlMs} ms after that process stops, LEASE_TTL_MS). Nothing was changed; run this again once it has finished`,
      );
    }
  }
  let lost = false;
  const renewal = setInterval(() => {
    leases.acquire(REBUILD_LEASE, self, ttlMs).then(
      (held) => (lost ||= !held),
      () => (lost = true),
    );
  }, Math.max(100, Math.floor(ttlMs / 3)));
  const stillHeld = async (): Promise<void> => {
    if (lost || !(await leases.acquire(REBUILD_LEASE, self, ttlMs))) {
      throw new Error(`This rebuild lost the rebuild lease (it stalled longer than LEASE_TTL_MS, ${ttlMs} ms, and another run took it): nothing was switched live`);
    }
  };
  try {
    return await work(stillHeld);
  } finally {
    clearInterval(renewal);
    await leases.release(REBUILD_LEASE, self).catch(() => undefined);
  }
}
