// Who issued a command, from where, and why: becomes the metadata of every event it produces.
import type { Actor, OnBehalfOf } from '@app/event-sourcing';

export interface CommandContext {
  readonly actor: Actor;
  /** Whom the caller says it acts for (X-Actor-Id); recorded beside the actor. */
  readonly onBehalfOf?: OnBehalfOf;
  readonly source: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  /**
   * The client's Idempotency-Key, already claimed for this very request (IdempotentRequests binds a
   * key to one request fingerprint before the command runs). Commands without a natural key derive
   * their event ids from it, so a retry that takes over after a crash finds what was written.
   */
  readonly idempotency?: IdempotencyClaimed;
  /** Business time of the fact (ISO-8601); defaults to the time the command arrived. */
  readonly occurredAt: string;
  /**
   * Set when the client sent no occurredAt and the server took the time the command arrived. On a
   * stream whose events follow each other in time, such a command is recorded at the stream's latest
   * time when that lies ahead of the arrival (a client clock running up to five minutes ahead put it
   * there), not refused for being before it: the client said nothing about when it happened.
   */
  readonly occurredAtAssigned?: true;
}

export interface IdempotencyClaimed {
  /** The API key that sent it: keys are unique per API key. */
  readonly apiKeyId: string;
  readonly key: string;
  /** The item of a batch request this command is. */
  readonly item?: number;
}

/** What every command answers: where its events landed, for read-your-writes. */
export interface CommandOutcome {
  readonly streamId: string;
  /** Ids of the events this command appended (or had appended, on a replay). */
  readonly eventIds: readonly string[];
  /** Revision of the stream's last event after the command; null if the stream is still empty. */
  readonly revision: number | null;
  /**
   * Global position to pass as `minPosition` to queries; 0 when nothing was ever written.
   * @asType integer
   */
  readonly position: number;
  /** True when this was a retry answered with the original result, appending nothing. */
  readonly replayed: boolean;
  /** False when the command changed nothing (e.g. giving a consent already given). */
  readonly changed: boolean;
}
