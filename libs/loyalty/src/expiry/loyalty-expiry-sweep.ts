// Expires points on time: finds the accounts whose `dueAt` has come (points to expire, or a tier to
// review) in the loyaltyAccounts read model and issues ExpirePoints for each. The read model only
// says where to look; the decider decides on the account's own stream, so a stale read model costs a
// no-op, never a wrong expiry.
import { Logger } from '@nestjs/common';
import type { Clock } from '@app/event-sourcing';
import type { ReadStore } from '@app/read-store';
import type { CommandContext } from '@app/platform';
import type { LoyaltyCommands } from '../api/loyalty-commands';
import { LOYALTY_ACCOUNTS_COLLECTION, type LoyaltyAccountDocument } from '../projections/loyalty-account.projection';

export interface SweepResult {
  /** Accounts found due. */
  readonly due: number;
  /** Accounts where events were appended (points expired, tier changed). */
  readonly changed: number;
  readonly failed: number;
}

export interface LoyaltyExpirySweepOptions {
  /** Most accounts per sweep; the rest wait for the next one (default 1000). */
  readonly maxAccounts?: number;
}

export class LoyaltyExpirySweep {
  private readonly logger = new Logger('LoyaltyExpirySweep');

  constructor(
    private readonly readStore: ReadStore,
    private readonly commands: LoyaltyCommands,
    private readonly clock: Clock,
    private readonly options: LoyaltyExpirySweepOptions = {},
  ) {}

  async sweep(now: Date = this.clock.now()): Promise<SweepResult> {
    const asOf = now.toISOString();
    const due = await this.readStore.find<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, { dueAt: { lte: asOf } }, {
      sort: [{ field: 'dueAt', direction: 'asc' }],
      limit: this.options.maxAccounts ?? 1000,
    });
    const context: CommandContext = { actor: { type: 'system', id: 'loyalty-expiry-sweep' }, source: 'loyalty', correlationId: `loyalty-sweep-${asOf}`, causationId: null, occurredAt: asOf };
    let changed = 0;
    let failed = 0;
    for (const account of due) {
      try {
        const outcome = await this.commands.execute({ type: 'ExpirePoints', customerId: account.customerId, asOf }, context);
        if (outcome.changed && !outcome.replayed) changed += 1;
      } catch (error) {
        failed += 1;
        this.logger.error(`ExpirePoints for ${account.customerId} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { due: due.length, changed, failed };
  }

  /** One scheduled sweep: a sweep where some accounts failed fails, so the supervisor retries it soon. */
  async scheduledSweep(): Promise<SweepResult> {
    const result = await this.sweep();
    if (result.failed > 0) throw new Error(`ExpirePoints failed for ${result.failed} of ${result.due} due accounts (logged above)`);
    return result;
  }
}
