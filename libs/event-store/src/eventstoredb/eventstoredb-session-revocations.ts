// Signed-out console sessions on EventStoreDB: one `$chronicle-session-<sid>` system stream per
// signed-out session, holding one `$SessionRevoked` event, with a maxAge that lets scavenging drop it
// once the session would have ended anyway. System streams and `$` event types stay out of
// Chronicle's global log (the adapter's readAll and subscriptions skip them); they need the admin
// credentials the $all subscription already needs. A check is one read of the stream's last event.
import { BACKWARDS, END, EventStoreDBClient, StreamNotFoundError, jsonEvent } from '@eventstore/db-client';
import { requireValidDate, systemClock, type Clock } from '@app/event-sourcing';
import type { SessionRevocations } from '../session-revocations.port';

export interface EventStoreDbSessionRevocationsOptions {
  /** Sets each record's maxAge (until the session would have ended). */
  readonly clock?: Clock;
}

const EVENT_TYPE = '$SessionRevoked';

export class EventStoreDbSessionRevocations implements SessionRevocations {
  private readonly client: EventStoreDBClient;
  private readonly clock: Clock;

  /** `connectionString`: the event store's, with admin credentials. */
  constructor(connectionString: string, options: EventStoreDbSessionRevocationsOptions = {}) {
    this.client = EventStoreDBClient.connectionString(connectionString);
    this.clock = options.clock ?? systemClock;
  }

  async revoke(sid: string, until: Date): Promise<void> {
    requireValidDate('until', until);
    const stream = streamOf(sid);
    const now = this.clock.now();
    // Any expected revision: a second sign-out of the same session only adds a duplicate fact.
    await this.client.appendToStream(stream, jsonEvent({ type: EVENT_TYPE, data: { sid, until: until.toISOString(), revokedAt: now.toISOString() } }));
    // Kept a minute past the session's end, so no check near the end can miss it.
    const maxAge = Math.max(60, Math.ceil((until.getTime() - now.getTime()) / 1000) + 60);
    await this.client.setStreamMetadata(stream, { maxAge });
  }

  async isRevoked(sid: string): Promise<boolean> {
    try {
      for await (const resolved of this.client.readStream(streamOf(sid), { direction: BACKWARDS, fromRevision: END, maxCount: 1n })) {
        if (resolved.event?.type === EVENT_TYPE) return true;
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return false;
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

/** Session ids are base64url (letters, digits, - and _): safe in a stream name as they are. */
function streamOf(sid: string): string {
  return `$chronicle-session-${sid}`;
}
