// Expires points on time: finds the accounts whose `dueAt` has come (points to expire, or a tier to
// review) in the loyaltyAccounts read model and issues ExpirePoints for each. The read model only
// says where to look; the decider decides on the account's own stream, so a stale read model costs a
// no-op, never a wrong expiry.
import { Logger } from '@nestjs/common';
import type { Clock } from '@app/event-sourcing';
import { keysetPages, type Filter, type ReadStore } from '@app/read-store';
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
  /** Accounts read from the read model at a time (default 1000); a sweep goes through every due account. */
  readonly pageSize?: number;
}

export class LoyaltyExpirySweep {
  private readonly logger = new Logger('LoyaltyExpirySweep');

  constructor(
    private readonly readStore: ReadStore,
    private readonly commands: LoyaltyCommands,
    private readonly clock: Clock,
    private readonly options: LoyaltyExpirySweepOptions = {},
  ) {}

  /**
   * Every account due by `now`, a page at a time in (dueAt, id) order. Each page starts after the
   * last account of the one before, not at the read model's new dueAt (which moves only once the
   * projector has applied the expiry): a year-end expiry of every account is done in one sweep, and
   * an account that fails is not read again until the next sweep.
   */
  async sweep(now: Date = this.clock.now()): Promise<SweepResult> {
    const asOf = now.toISOString();
    const context: CommandContext = { actor: { type: 'system', id: 'loyalty-expiry-sweep' }, source: 'loyalty', correlationId: `loyalty-sweep-${asOf}`, causationId: null, occurredAt: asOf };
    let due = 0;
    let changed = 0;
    let failed = 0;
    const pages = keysetPages<LoyaltyAccountDocument>(this.readStore, LOYALTY_ACCOUNTS_COLLECTION, { dueAt: { lte: asOf } }, {
      sort: [{ field: 'dueAt', direction: 'asc' }, { field: 'id', direction: 'asc' }],
      pageSize: this.options.pageSize ?? 1000,
      past: pastAccount,
    });
    for await (const page of pages) {
      due += page.length;
      for (const account of page) {
        try {
          const outcome = await this.commands.execute({ type: 'ExpirePoints', customerId: account.customerId, asOf }, context);
          if (outcome.changed && !outcome.replayed) changed += 1;
        } catch (error) {
          failed += 1;
          this.logger.error(`ExpirePoints for ${account.customerId} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
    return { due, changed, failed };
  }

  /** One scheduled sweep: a sweep where some accounts failed fails, so the supervisor retries it soon. */
  async scheduledSweep(): Promise<SweepResult> {
    const result = await this.sweep();
    if (result.failed > 0) throw new Error(`ExpirePoints failed for ${result.failed} of ${result.due} due accounts (logged above)`);
    return result;
  }
}

/** The accounts after `account` in (dueAt, id) order. */
function pastAccount(account: LoyaltyAccountDocument): Filter {
  return { or: [{ dueAt: { gt: account.dueAt as string } }, { and: [{ dueAt: account.dueAt as string }, { id: { gt: account.id } }] }] };
}
