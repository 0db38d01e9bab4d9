// Schema evolution: every event type has a current schema version (new events are written with it)
// and upcasters that lift an older stored version to the next one. Readers always see the current
// shape; events stay stored as written.
//
// Upcasters run before decryption (on the Kafka relay too), so they may move or rename a personal
// field but must never read or change its content: to them a personal value is an opaque string.
import type { RecordedEvent } from './envelope';

/** Lifts the payload of one event type from `fromVersion` to a later version (usually the next one). */
export interface Upcaster<TFrom = unknown, TTo = unknown> {
  readonly type: string;
  readonly fromVersion: number;
  upcast(data: TFrom): { data: TTo; version: number };
}

/** What one capability declares about its events. */
export interface EventSchemaSet {
  /** Current version per event type; types not listed are at version 1. */
  readonly currentVersions?: Readonly<Record<string, number>>;
  readonly upcasters?: readonly Upcaster[];
}

function key(type: string, version: number): string {
  return `${type}\u0000${version}`;
}

export class EventSchemas {
  private readonly versions = new Map<string, number>();
  private readonly upcasters = new Map<string, Upcaster>();

  constructor(sets: readonly EventSchemaSet[] = []) {
    for (const set of sets) {
      for (const [type, version] of Object.entries(set.currentVersions ?? {})) {
        if (this.versions.has(type)) throw new Error(`Two current versions declared for ${type}`);
        if (!Number.isSafeInteger(version) || version < 1) throw new Error(`${type}: a schema version is a whole number from 1`);
        this.versions.set(type, version);
      }
      for (const upcaster of set.upcasters ?? []) {
        const upcasterKey = key(upcaster.type, upcaster.fromVersion);
        if (this.upcasters.has(upcasterKey)) throw new Error(`Two upcasters for ${upcaster.type} v${upcaster.fromVersion}`);
        this.upcasters.set(upcasterKey, upcaster);
      }
    }
    // Every version below the current one must lift, or readers would see an old shape.
    for (const [type, current] of this.versions) {
      for (let version = 1; version < current; version++) {
        if (!this.upcasters.has(key(type, version))) throw new Error(`${type} is at v${current} but nothing upcasts v${version}`);
      }
    }
  }

  static none(): EventSchemas {
    return new EventSchemas();
  }

  /** The version new events of this type are written with. */
  currentVersion(type: string): number {
    return this.versions.get(type) ?? 1;
  }

  /** Every declared type with its current version (types at version 1 need not be declared). */
  declared(): ReadonlyMap<string, number> {
    return this.versions;
  }

  /** The event in its type's current shape: upcasters applied in a chain (v1 → v2 → v3). */
  upcast<E extends RecordedEvent>(event: E): E {
    let data = event.data;
    let version = event.metadata.schemaVersion;
    for (let upcaster = this.upcasters.get(key(event.type, version)); upcaster; upcaster = this.upcasters.get(key(event.type, version))) {
      const lifted = upcaster.upcast(data);
      if (lifted.version <= version) throw new Error(`Upcaster for ${event.type} v${version} must raise the version, but returned v${lifted.version}`);
      data = lifted.data;
      version = lifted.version;
    }
    if (version === event.metadata.schemaVersion) return event;
    return { ...event, data, metadata: { ...event.metadata, schemaVersion: version } };
  }
}
