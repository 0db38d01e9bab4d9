// The event envelope every store, transport and projection speaks: payload plus full metadata.

/**
 * Who caused an event: an internal service, a support agent, the customer, or the system itself.
 * For a request from outside it is the API key that authenticated it (id, name and role), never
 * something the client merely claims; a claim goes to `onBehalfOf`.
 */
export interface Actor {
  readonly type: 'service' | 'agent' | 'customer' | 'system';
  /** The API key's id for callers of the API; a component's name for the system. */
  readonly id: string;
  /** The API key's name (label). */
  readonly name?: string;
  /** The API key's role(s), comma-separated. */
  readonly role?: string;
}

/** Whom the authenticated caller says it acted for (e.g. the agent at the console): recorded, not trusted. */
export interface OnBehalfOf {
  readonly id: string;
}

export interface EventMetadata {
  /** Every event names its customer, so the timeline and audit can gather all of a customer's streams. */
  readonly customerId: string;
  /** Version of the payload shape; upcasters lift older versions on read. */
  readonly schemaVersion: number;
  /** Business time: when it happened in the world (ISO-8601). */
  readonly occurredAt: string;
  readonly actor: Actor;
  /** What the client claimed (X-Actor-Id): kept beside the actor, never instead of it. */
  readonly onBehalfOf?: OnBehalfOf;
  /**
   * The publishing system (e.g. `shop`, `helpdesk`, `console`) as the caller names it (X-Source; by
   * default the API key's label): a claim, as onBehalfOf is; `actor` says who sent it.
   */
  readonly source: string;
  readonly correlationId: string;
  /**
   * Id of the command or event that caused this one: a reactor's trigger; for a command from outside,
   * what its caller names in X-Causation-Id (a claim), else null.
   */
  readonly causationId: string | null;
  /** Client idempotency key the event id was derived from, if any. */
  readonly idempotencyKey?: string;
  /**
   * Id of the customer's data key that encrypted the personal values of `data` (set by the store's
   * codec on append; absent when the event has no personal values).
   */
  readonly dataKeyId?: string;
}

/** A domain event as a decider emits it: a stable type name and a JSON payload. */
export interface DomainEvent<TType extends string = string, TData = unknown> {
  readonly type: TType;
  readonly data: TData;
}

/** An event ready to append: domain event plus id and metadata. */
export interface NewEvent<TType extends string = string, TData = unknown> extends DomainEvent<TType, TData> {
  /** UUID, unique across the store; derived deterministically from an idempotency key when given. */
  readonly eventId: string;
  readonly metadata: EventMetadata;
}

/** An event as read back from a store. */
export interface RecordedEvent<TType extends string = string, TData = unknown> extends NewEvent<TType, TData> {
  readonly streamId: string;
  /** 0-based position of the event in its stream. */
  readonly revision: number;
  /** Position in the global log: strictly increasing, not necessarily contiguous. */
  readonly position: number;
  /** Store time: when the store committed it (ISO-8601). */
  readonly recordedAt: string;
}

/** `customer-42` → `customer`; stream ids are `<category>-<id>`. */
export function streamCategory(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash < 0 ? streamId : streamId.slice(0, dash);
}

export function streamId(category: string, id: string): string {
  return `${category}-${id}`;
}
