// Leases kept in the event store every process of a deployment already shares: the metadata of a
// stream `lease-<name>` holds `{ holder, expiresAt }`, changed only by compare-and-set on its
// revision (SQLite: a guarded UPDATE; EventStoreDB: the metadata stream's expected revision). Stream
// metadata is not an event of the global log, so leases never reach projectors or Kafka.
//
// Expiry compares the holder's and the taker's wall clocks: keep the TTL well above the clock skew
// between hosts (seconds, not milliseconds).
import type { EventStore } from '@app/event-store';
import type { LeaseStore } from '@app/platform';

export const LEASE_CATEGORY = 'lease';

export function leaseStreamId(name: string): string {
  return `${LEASE_CATEGORY}-${name}`;
}

export interface LeaseRecord {
  readonly holder: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

function leaseOf(custom: Record<string, unknown> | undefined): LeaseRecord | null {
  const holder = custom?.['holder'];
  const expiresAt = custom?.['expiresAt'];
  return typeof holder === 'string' && typeof expiresAt === 'number' ? { holder, expiresAt } : null;
}

export class EventStoreLeaseStore implements LeaseStore {
  constructor(
    private readonly store: EventStore,
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const streamId = leaseStreamId(name);
    const { metadata, revision } = await this.store.readStreamMetadata(streamId);
    const current = leaseOf(metadata.custom);
    const now = this.now();
    if (current && current.holder !== holder && current.expiresAt > now) return false;
    const next = { ...metadata, custom: { ...metadata.custom, holder, expiresAt: now + ttlMs } };
    // Refused when another process renewed or took it since we read: it is theirs then.
    return this.store.compareAndSetStreamMetadata(streamId, next, revision);
  }

  /** Who holds the lease `name` and until when (epoch ms); null when nobody ever took it or it was released. */
  async current(name: string): Promise<LeaseRecord | null> {
    const lease = leaseOf((await this.store.readStreamMetadata(leaseStreamId(name))).metadata.custom);
    return lease && lease.expiresAt > 0 ? lease : null;
  }

  /**
   * Takes the lease from `from` although it has not expired: for a holder known to be gone (a process
   * of this host that no longer exists). Refused (false) when someone else holds it by now.
   */
  async takeOver(name: string, from: string, holder: string, ttlMs: number): Promise<boolean> {
    const streamId = leaseStreamId(name);
    const { metadata, revision } = await this.store.readStreamMetadata(streamId);
    if (leaseOf(metadata.custom)?.holder !== from) return false;
    return this.store.compareAndSetStreamMetadata(streamId, { ...metadata, custom: { ...metadata.custom, holder, expiresAt: this.now() + ttlMs } }, revision);
  }

  async release(name: string, holder: string): Promise<void> {
    const streamId = leaseStreamId(name);
    const { metadata, revision } = await this.store.readStreamMetadata(streamId);
    if (leaseOf(metadata.custom)?.holder !== holder) return;
    await this.store.compareAndSetStreamMetadata(streamId, { ...metadata, custom: { ...metadata.custom, expiresAt: 0 } }, revision);
  }
}
