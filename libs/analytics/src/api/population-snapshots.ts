// Population snapshots in the read store (`analyticsSnapshots`): the one for "now" (`current`),
// refreshed by the scheduled refit and on demand, and one per observation date an analyst asked
// about (`as-of:<instant>`), computed on first use and kept. Computing one reads the
// customerAnalytics document of every buyer who consented to profiling once (keyset pages) and
// fits the models; a request then costs two document reads, not a scan. Concurrent requests for the same snapshot share one computation.
import type { Clock } from '@app/event-sourcing';
import type { CurrencyCode } from '@app/money';
import { keysetPages, type Filter, type ReadDocument, type ReadStore } from '@app/read-store';
import { populationMemberOf } from '../domain/customer-analysis';
import { buildPopulationSnapshot, type PopulationMember, type PopulationSnapshot } from '../domain/population-snapshot';
import { CUSTOMER_ANALYTICS_COLLECTION, type CustomerAnalyticsDocument } from '../projections/customer-analytics.document';

export const ANALYTICS_SNAPSHOTS_COLLECTION = 'analyticsSnapshots';
export const CURRENT_SNAPSHOT_ID = 'current';
export const asOfSnapshotId = (asOf: Date) => `as-of:${asOf.toISOString()}`;

export interface StoredSnapshot extends ReadDocument {
  readonly kind: 'current' | 'as-of';
  readonly computedAt: string;
  /** The read models' position the snapshot saw (projector checkpoint, or the newest document read). */
  readonly dataPosition: number;
  readonly snapshot: PopulationSnapshot;
}

export interface PopulationSnapshotsOptions {
  /** The projector's checkpoint name, for `dataPosition`. */
  readonly checkpointName?: string;
  /** Documents per page of the scan (default 1,000). */
  readonly pageSize?: number;
}

export class PopulationSnapshots {
  private readonly pending = new Map<string, Promise<StoredSnapshot>>();

  constructor(
    private readonly store: ReadStore,
    private readonly currency: CurrencyCode,
    private readonly clock: Clock,
    private readonly options: PopulationSnapshotsOptions = {},
  ) {}

  /** The snapshot of "now": the stored one, or one computed now when there is none yet. */
  async current(): Promise<PopulationSnapshot> {
    const stored = await this.store.get<StoredSnapshot>(ANALYTICS_SNAPSHOTS_COLLECTION, CURRENT_SNAPSHOT_ID);
    if (stored && stored.snapshot.currency === this.currency) return stored.snapshot;
    return (await this.once(CURRENT_SNAPSHOT_ID, () => this.computeAndStore(CURRENT_SNAPSHOT_ID, this.clock.now()))).snapshot;
  }

  /**
   * The snapshot of an observation date: stored, or computed once and stored. With `minPosition`
   * beyond what the stored one saw (history imported since), it is computed again.
   */
  async asOf(asOf: Date, minPosition?: number): Promise<PopulationSnapshot> {
    const id = asOfSnapshotId(asOf);
    const stored = await this.store.get<StoredSnapshot>(ANALYTICS_SNAPSHOTS_COLLECTION, id);
    if (stored && stored.snapshot.currency === this.currency && stored.dataPosition >= (minPosition ?? 0)) return stored.snapshot;
    return (await this.once(id, () => this.computeAndStore(id, asOf))).snapshot;
  }

  /** Computes and stores a fresh snapshot of `asOf` (of now when absent): the scheduled and on-demand refit. */
  async refit(asOf?: Date): Promise<StoredSnapshot> {
    const id = asOf === undefined ? CURRENT_SNAPSHOT_ID : asOfSnapshotId(asOf);
    return this.once(id, () => this.computeAndStore(id, asOf ?? this.clock.now()));
  }

  /** The stored snapshot document, with its bookkeeping, if any. */
  stored(asOf?: Date): Promise<StoredSnapshot | null> {
    return this.store.get<StoredSnapshot>(ANALYTICS_SNAPSHOTS_COLLECTION, asOf === undefined ? CURRENT_SNAPSHOT_ID : asOfSnapshotId(asOf));
  }

  /** Removes snapshots of past observation dates computed before `before`; they are computed again when asked for. */
  async prune(before: Date): Promise<number> {
    const old = await this.store.find<StoredSnapshot>(ANALYTICS_SNAPSHOTS_COLLECTION, { and: [{ kind: 'as-of' }, { computedAt: { lt: before.toISOString() } }] });
    await this.store.applyBatch(old.map((doc) => ({ kind: 'delete' as const, collection: ANALYTICS_SNAPSHOTS_COLLECTION, id: doc.id, position: Date.now() })));
    return old.length;
  }

  private once(id: string, compute: () => Promise<StoredSnapshot>): Promise<StoredSnapshot> {
    const running = this.pending.get(id);
    if (running) return running;
    const started = compute().finally(() => this.pending.delete(id));
    this.pending.set(id, started);
    return started;
  }

  private async computeAndStore(id: string, asOf: Date): Promise<StoredSnapshot> {
    const checkpoint = this.options.checkpointName ? ((await this.store.getCheckpoint(this.options.checkpointName)) ?? 0) : 0;
    const members: PopulationMember[] = [];
    let newest = 0;
    const pageSize = this.options.pageSize ?? 1000;
    // Only buyers registered by asOf who consented to profiling (populationMemberOf checks both again, for any caller).
    const buyers: Filter = { and: [{ orders: { gt: 0 } }, { profilingConsent: true }, { registeredAt: { lte: asOf.toISOString() } }] };
    const pages = keysetPages<CustomerAnalyticsDocument>(this.store, CUSTOMER_ANALYTICS_COLLECTION, buyers, {
      sort: [{ field: 'customerId', direction: 'asc' }],
      pageSize,
      past: (last) => ({ customerId: { gt: last.customerId } }),
    });
    for await (const page of pages) {
      for (const doc of page) {
        newest = Math.max(newest, doc.lastPosition);
        const member = populationMemberOf(doc, asOf, this.currency);
        if (member) members.push(member);
      }
    }
    const computedAt = this.clock.now();
    const snapshot = buildPopulationSnapshot(members, { asOf, computedAt, currency: this.currency, nowMs: () => performance.now() });
    const doc: StoredSnapshot = {
      id,
      // The position guard keeps the newest computation: positions here are computation times.
      lastPosition: Date.now(),
      kind: id === CURRENT_SNAPSHOT_ID ? 'current' : 'as-of',
      computedAt: computedAt.toISOString(),
      dataPosition: Math.max(checkpoint, newest),
      snapshot,
    };
    await this.store.applyBatch([{ kind: 'upsert', collection: ANALYTICS_SNAPSHOTS_COLLECTION, doc }]);
    return doc;
  }
}
