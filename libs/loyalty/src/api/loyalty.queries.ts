// Loyalty queries: the account as it stands, and its history newest first with a cursor.
import { Inject, Optional } from '@nestjs/common';
import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { refuse } from '@app/event-sourcing';
import { READ_STORE, type Filter, type ReadStore } from '@app/read-store';
import { REGISTERED_CUSTOMERS, type RegisteredCustomers } from '@app/customers';
import { CHRONICLE_CONFIG, ChronicleConfig, decodePageCursor, encodePageCursor, PROJECTION_PROGRESS, waitUntilCaughtUp, type ProjectionProgress } from '@app/platform';
import type { LoyaltyProgram } from '../domain/loyalty-program';
import { LOYALTY_ACCOUNTS_COLLECTION, type LoyaltyAccountDocument, type LoyaltyAccountFields } from '../projections/loyalty-account.projection';
import { LOYALTY_HISTORY_COLLECTION, type LoyaltyHistoryDocument } from '../projections/loyalty-history.projection';

export const LOYALTY_PROGRAM = Symbol('LoyaltyProgram');

/** The account as the API shows it: without the lots and spend window the read model keeps for itself. */
// From the fields, not the stored document: the store's open index signature would make Omit drop every named field.
export type LoyaltyAccountView = Omit<LoyaltyAccountFields, 'lots' | 'spendWindow' | 'tier'> & { readonly tier: string; readonly id: string; readonly lastPosition: number };

import type { Consistency } from '@app/platform';
export type { Consistency };

export interface LoyaltyHistoryPage {
  readonly items: readonly LoyaltyHistoryDocument[];
  /** Pass as `cursor` for the next (older) page; null at the end. */
  readonly nextCursor: string | null;
}

export class GetLoyaltyAccount extends Query<{ view: LoyaltyAccountView } & Consistency> {
  constructor(readonly customerId: string, readonly minPosition?: number) {
    super();
  }
}

export class GetLoyaltyHistory extends Query<LoyaltyHistoryPage & Consistency> {
  constructor(readonly customerId: string, readonly options: { limit: number; cursor?: string; minPosition?: number }) {
    super();
  }
}

export function toAccountView(doc: LoyaltyAccountDocument, program: LoyaltyProgram): LoyaltyAccountView {
  const { lots: _lots, spendWindow: _window, tier, ...rest } = doc;
  return { ...rest, tier: tier ?? program.tiers[0].name };
}

function encodeCursor(row: LoyaltyHistoryDocument): string {
  return encodePageCursor([row.position], { loyaltyHistory: row.customerId });
}

abstract class LoyaltyQuery {
  constructor(
    @Inject(READ_STORE) protected readonly store: ReadStore,
    @Inject(CHRONICLE_CONFIG) protected readonly config: ChronicleConfig,
    @Inject(LOYALTY_PROGRAM) protected readonly program: LoyaltyProgram,
    @Inject(REGISTERED_CUSTOMERS) protected readonly customers: RegisteredCustomers,
    @Optional() @Inject(PROJECTION_PROGRESS) protected readonly progress?: ProjectionProgress,
  ) {}

  /** Waits (bounded) until the account document has applied `minPosition`. */
  protected caughtUp(customerId: string, minPosition: number | undefined): Promise<boolean> {
    return waitUntilCaughtUp(
      minPosition,
      async () => ((await this.store.get<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, customerId))?.lastPosition ?? 0) >= (minPosition ?? 0),
      this.progress,
      this.config.READ_WAIT_TIMEOUT_MS,
    );
  }
}

@QueryHandler(GetLoyaltyAccount)
export class GetLoyaltyAccountHandler extends LoyaltyQuery implements IQueryHandler<GetLoyaltyAccount> {
  async execute({ customerId, minPosition }: GetLoyaltyAccount): Promise<{ view: LoyaltyAccountView } & Consistency> {
    await this.customers.assertRegistered(customerId, minPosition);
    const consistent = await this.caughtUp(customerId, minPosition);
    const doc = await this.store.get<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, customerId);
    if (!doc) throw refuse.notFound(`Customer ${customerId} has no loyalty account`, 'customerId');
    return { view: toAccountView(doc, this.program), consistent };
  }
}

@QueryHandler(GetLoyaltyHistory)
export class GetLoyaltyHistoryHandler extends LoyaltyQuery implements IQueryHandler<GetLoyaltyHistory> {
  async execute({ customerId, options }: GetLoyaltyHistory): Promise<LoyaltyHistoryPage & Consistency> {
    await this.customers.assertRegistered(customerId, options.minPosition);
    const consistent = await this.caughtUp(customerId, options.minPosition);
    const filter: Filter = options.cursor ? { customerId, position: { lt: decodePageCursor(options.cursor, ['position'], { loyaltyHistory: customerId })[0] } } : { customerId };
    const rows = await this.store.find<LoyaltyHistoryDocument>(LOYALTY_HISTORY_COLLECTION, filter, {
      sort: [{ field: 'position', direction: 'desc' }],
      limit: options.limit + 1,
    });
    const items = rows.slice(0, options.limit);
    return { items, nextCursor: rows.length > options.limit ? encodeCursor(items[items.length - 1]) : null, consistent };
  }
}
