// One customer per externalId, atomically across concurrent requests and across every process that
// shares the event store. The customer stream alone cannot say it (two customers are two streams),
// so an externalId is claimed for its customer in the store's IdempotencyKeys (a table of the SQLite
// file, `$idempotency-…` streams on EventStoreDB; never in the global log) before the registration
// is appended: of concurrent claims for one externalId exactly one customer gets it.
import { DomainError, refuse } from '@app/event-sourcing';
import type { IdempotencyKeyRef, IdempotencyKeys } from '@app/event-store';

/** A scope no API key id can have (those are `env-N` or hex), so claims never meet Idempotency-Keys. */
export const EXTERNAL_ID_SCOPE = 'customer:externalId';

/** A registration takes milliseconds; should its process die, the same customer may take over after this. */
const LEASE_MS = 30_000;

export class ExternalIds {
  constructor(private readonly keys: IdempotencyKeys) {}

  /**
   * Runs `register` holding `externalId` for `customerId`:
   * - the externalId belongs to another customer: 409 on externalId, nothing runs;
   * - it is this customer's (a retry, or a concurrent copy of this registration): `register` runs and
   *   the customer stream decides (a replay, or "already registered");
   * - it is free: claimed; kept for good once registered, freed again when the registration is
   *   refused (a 4xx wrote nothing), left bound to this customer when the outcome is unknown.
   */
  async claimedFor<T>(externalId: string, customerId: string, register: () => Promise<T>): Promise<T> {
    const ref: IdempotencyKeyRef = { scope: EXTERNAL_ID_SCOPE, key: externalId };
    const claim = await this.keys.claim(ref, customerId, LEASE_MS);
    switch (claim.outcome) {
      case 'mismatch':
        throw refuse.alreadyExists(`externalId ${externalId} already belongs to another customer`, 'externalId');
      case 'answered':
      case 'in_progress':
        return register();
      case 'acquired': {
        let result: T;
        try {
          result = await register();
        } catch (error) {
          await (error instanceof DomainError ? this.keys.release(ref, claim.token) : this.keys.abandon(ref, claim.token)).catch(() => undefined);
          throw error;
        }
        // The registration is durable already; should this write fail, the lease lapses and only
        // this customer may claim the externalId again.
        await this.keys.complete(ref, claim.token, { status: 201, body: { customerId } }).catch(() => undefined);
        return result;
      }
      default: {
        const unhandled: never = claim;
        throw new Error(`Unhandled externalId claim ${JSON.stringify(unhandled)}`);
      }
    }
  }
}
