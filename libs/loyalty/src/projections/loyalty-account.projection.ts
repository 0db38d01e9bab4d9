// The `loyaltyAccounts` read model: one document per customer with balance, tier, totals, the next
// points to expire and `dueAt`, the moment the expiry sweep must look at the account again (points
// expire, or the spend holding the tier leaves the rolling window). Spend is in the programme's
// currency only, so the projection is made for that currency (REPORTING_CURRENCY).
import type { RecordedEvent } from '@app/event-sourcing';
import { recordedCurrency, type CurrencyCode } from '@app/money';
import type { DocumentChange, DocumentRef, Projection, ProjectionView, ReadDocument } from '@app/read-store';
import { addMonths, ROLLING_WINDOW_MONTHS, utc } from '../domain/calendar-months';
import { pointsBalance } from '../domain/loyalty.decider';
import type { LotConsumption } from '../domain/loyalty.events';
import { isLoyaltyEvent, type RecordedLoyaltyEvent } from './loyalty-event';

export const LOYALTY_ACCOUNTS_COLLECTION = 'loyaltyAccounts';

export interface AccountLot {
  readonly lotId: string;
  readonly remaining: number;
  readonly earnedAt: string;
  readonly expiresAt: string;
}

export interface SpendEntry {
  readonly orderId: string;
  readonly at: string;
  readonly netMinor: number;
}

export type LoyaltyAccountFields = {
  readonly customerId: string;
  /** The programme's currency: rolling12mSpendMinor and tierThresholdMinor are minor units of it. */
  readonly currency: CurrencyCode;
  /**
   * Points the customer holds. Negative (minus `deficit`) when a refund reversed points already
   * redeemed or expired: the next earnings settle it first, and nothing can be redeemed meanwhile.
   */
  readonly balance: number;
  /** Null until an event names it (an account opened by an admin correction): the programme's entry tier. */
  readonly tier: string | null;
  readonly lifetimeEarned: number;
  readonly redeemed: number;
  readonly expired: number;
  readonly reversed: number;
  /** Net of admin corrections. */
  readonly adjusted: number;
  /** Points reversed beyond the balance, owed from future earnings. */
  readonly deficit: number;
  /** Net spend in `currency` of the 12 months up to `lastEventAt`; purchases in other currencies earn no tier spend. */
  readonly rolling12mSpendMinor: number;
  readonly nextExpiry: { readonly points: number; readonly at: string } | null;
  /** Spend the tier needs to hold (its threshold); 0 for the entry tier. */
  readonly tierThresholdMinor: number;
  /** When the rolling spend will fall below the tier's threshold unless the customer buys again. */
  readonly tierReviewAt: string | null;
  /** The earlier of nextExpiry.at and tierReviewAt: when the sweep must visit. */
  readonly dueAt: string | null;
  readonly lastEventAt: string;
  /** Lots with points left, oldest first. */
  readonly lots: readonly AccountLot[];
  /** Orders in `currency` inside the rolling window, for tierReviewAt. */
  readonly spendWindow: readonly SpendEntry[];
};

export type LoyaltyAccountDocument = LoyaltyAccountFields & ReadDocument;

function emptyAccount(customerId: string, currency: CurrencyCode, tier: string | null): LoyaltyAccountFields {
  return {
    customerId, currency, balance: 0, tier, lifetimeEarned: 0, redeemed: 0, expired: 0, reversed: 0, adjusted: 0, deficit: 0,
    rolling12mSpendMinor: 0, nextExpiry: null, tierThresholdMinor: 0, tierReviewAt: null, dueAt: null, lastEventAt: '', lots: [], spendWindow: [],
  };
}

function take(lots: readonly AccountLot[], taken: readonly LotConsumption[]): AccountLot[] {
  const byLot = new Map<string, number>();
  for (const item of taken) byLot.set(item.lotId, (byLot.get(item.lotId) ?? 0) + item.points);
  return lots.map((lot) => ({ ...lot, remaining: lot.remaining - (byLot.get(lot.lotId) ?? 0) })).filter((lot) => lot.remaining > 0);
}

function addLot(lots: readonly AccountLot[], lot: AccountLot): AccountLot[] {
  if (lot.remaining <= 0) return [...lots];
  return [...lots, lot].sort((a, b) => (a.earnedAt < b.earnedAt ? -1 : a.earnedAt > b.earnedAt ? 1 : a.lotId < b.lotId ? -1 : 1));
}

function applyEvent(account: LoyaltyAccountFields, event: RecordedLoyaltyEvent): LoyaltyAccountFields {
  switch (event.type) {
    case 'PointsEarned': {
      const { orderId, lotId, points, basis, earnedAt, expiresAt, settledDeficit } = event.data;
      // Also for PointsEarned recorded before the programme had a currency: another currency's amount is no tier spend.
      const counts = recordedCurrency(basis.currency).key === account.currency;
      const others = account.spendWindow.filter((entry) => entry.orderId !== orderId);
      return {
        ...account,
        lifetimeEarned: account.lifetimeEarned + points,
        deficit: account.deficit - settledDeficit,
        lots: addLot(account.lots, { lotId, remaining: points - settledDeficit, earnedAt, expiresAt }),
        spendWindow: counts ? [...others, { orderId, at: earnedAt, netMinor: basis.amountMinor }] : others,
      };
    }
    case 'PointsReversed': {
      const { orderId, refundedMinor, points, consumed, deficit } = event.data;
      return {
        ...account,
        reversed: account.reversed + points,
        deficit: account.deficit + deficit,
        lots: take(account.lots, consumed),
        spendWindow: account.spendWindow.map((entry) => (entry.orderId === orderId ? { ...entry, netMinor: entry.netMinor - refundedMinor } : entry)),
      };
    }
    case 'PointsRedeemed':
      return { ...account, redeemed: account.redeemed + event.data.points, lots: take(account.lots, event.data.consumed) };
    case 'PointsExpired':
      return { ...account, expired: account.expired + event.data.points, lots: take(account.lots, event.data.lots) };
    case 'PointsAdjusted': {
      const { points, lotId, expiresAt, consumed, settledDeficit, adjustedAt } = event.data;
      const lots = take(account.lots, consumed);
      return {
        ...account,
        adjusted: account.adjusted + points,
        deficit: account.deficit - settledDeficit,
        lots: lotId !== null && expiresAt !== null ? addLot(lots, { lotId, remaining: points - settledDeficit, earnedAt: adjustedAt, expiresAt }) : lots,
      };
    }
    case 'TierChanged':
      return { ...account, tier: event.data.to, tierThresholdMinor: event.data.thresholdMinor };
    default: {
      const unhandled: never = event;
      throw new Error(`Unhandled loyalty event ${JSON.stringify(unhandled)}`);
    }
  }
}

/** The moment the window's spend drops below `threshold`, if it is above 0. */
function tierReviewAt(window: readonly SpendEntry[], threshold: number): string | null {
  if (threshold <= 0) return null;
  let total = window.reduce((sum, entry) => sum + entry.netMinor, 0);
  for (const entry of [...window].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))) {
    total -= entry.netMinor;
    if (total < threshold) return addMonths(entry.at, ROLLING_WINDOW_MONTHS);
  }
  return null;
}

/**
 * Recomputes what follows from lots and the spend window, as of the account's latest business time:
 * an event recorded late (a purchase dated before others) changes the figures of now, it does not
 * move them back to its own time.
 */
function derive(account: LoyaltyAccountFields, eventAt: string): LoyaltyAccountFields {
  const at = eventAt > account.lastEventAt ? eventAt : account.lastEventAt;
  const windowStart = addMonths(at, -ROLLING_WINDOW_MONTHS);
  const spendWindow = account.spendWindow.filter((entry) => entry.at > windowStart);
  const earliest = account.lots.reduce<string | null>((min, lot) => (min === null || lot.expiresAt < min ? lot.expiresAt : min), null);
  const nextExpiry = earliest === null ? null : { at: earliest, points: account.lots.filter((lot) => lot.expiresAt === earliest).reduce((sum, lot) => sum + lot.remaining, 0) };
  const review = tierReviewAt(spendWindow, account.tierThresholdMinor);
  const candidates = [nextExpiry?.at ?? null, review].filter((value): value is string => value !== null).sort();
  return {
    ...account,
    spendWindow,
    balance: pointsBalance(account.lots, account.deficit),
    rolling12mSpendMinor: spendWindow.filter((entry) => entry.at <= at).reduce((sum, entry) => sum + entry.netMinor, 0),
    nextExpiry,
    tierReviewAt: review,
    dueAt: candidates[0] ?? null,
    lastEventAt: at,
  };
}

/** The loyaltyAccounts projection of a programme run in `currency`. */
export const loyaltyAccountProjection = (currency: CurrencyCode): Projection => ({
  name: 'loyalty-accounts',
  collections: [
    {
      name: LOYALTY_ACCOUNTS_COLLECTION,
      indexes: [{ fields: [{ field: 'dueAt', direction: 'asc' }] }, { fields: [{ field: 'tier', direction: 'asc' }] }],
    },
  ],

  touches(event: RecordedEvent): readonly DocumentRef[] {
    return isLoyaltyEvent(event) ? [{ collection: LOYALTY_ACCOUNTS_COLLECTION, id: event.data.customerId }] : [];
  },

  apply(event: RecordedEvent, view: ProjectionView): readonly DocumentChange[] {
    if (!isLoyaltyEvent(event)) return [];
    const customerId = event.data.customerId;
    const stored = view.get<LoyaltyAccountDocument>(LOYALTY_ACCOUNTS_COLLECTION, customerId);
    const initialTier = event.type === 'PointsEarned' ? event.data.basis.tier : event.type === 'TierChanged' ? event.data.from : null;
    const { id: _id, lastPosition: _position, ...current } = stored ?? { ...emptyAccount(customerId, currency, initialTier), id: customerId, lastPosition: 0 };
    const updated = derive(applyEvent({ ...(current as LoyaltyAccountFields), currency }, event), utc(event.metadata.occurredAt));
    return [{ collection: LOYALTY_ACCOUNTS_COLLECTION, id: customerId, doc: updated }];
  },
});
