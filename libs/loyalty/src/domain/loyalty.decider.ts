// One loyalty account (`loyalty-<customerId>`): points earned per order in lots that expire, spent
// and expired oldest first; the tier follows the rolling 12-month net spend, up and down.
import { jsonSnapshot, refuse, type Decider } from '@app/event-sourcing';
import { assertCustomerRegistered } from '@app/customers/domain/customer-status';
import { minorToMajor, recordedCurrency } from '@app/money';
import { addMonths, ROLLING_WINDOW_MONTHS, utc } from './calendar-months';
import type { Adjust, EarnForPurchase, ExpirePoints, LoyaltyCommand, Redeem, ReverseForRefund } from './loyalty.commands';
import type { LotConsumption, LoyaltyEvent, TierChangeReason, TierChanged } from './loyalty.events';
import { tierForSpend, tierNamed, type LoyaltyProgram } from './loyalty-program';

export interface PointsLot {
  readonly lotId: string;
  readonly earnedAt: string;
  readonly expiresAt: string;
  /** Points of the lot not yet redeemed, reversed or expired. */
  readonly remaining: number;
}

export interface OrderRecord {
  /** Key of the order's currency (an ISO code; `?XYZ` for an unrecognised legacy code). */
  readonly currency: string;
  readonly amountMinor: number;
  readonly refundedMinor: number;
  readonly earnedAt: string;
  readonly points: number;
  readonly reversedPoints: number;
}

export interface LoyaltyState {
  readonly customerId: string | null;
  /** The tier in force now. */
  readonly tier: string;
  /**
   * Each tier change, by when it took effect, oldest first: a purchase recorded late earns at the
   * tier in force at its own time.
   */
  readonly tierChanges: readonly { readonly at: string; readonly tier: string }[];
  /**
   * The latest business time of the account's events (null before any): tiers are reviewed as of it,
   * so a fact recorded late is reviewed with everything the account holds, not as of its own past.
   */
  readonly latestAt: string | null;
  /** Lots with points left, oldest first. */
  readonly lots: readonly PointsLot[];
  /** Points reversed beyond the balance; the next points earned pay it off first. */
  readonly deficit: number;
  readonly orders: Readonly<Record<string, OrderRecord>>;
  /** Refunded amount by refundId, so a redelivered refund is recognised. */
  readonly refunds: Readonly<Record<string, number>>;
  readonly redemptions: Readonly<Record<string, number>>;
  readonly adjustments: Readonly<Record<string, number>>;
}

export const orderLotId = (orderId: string) => `order:${orderId}`;
export const adjustmentLotId = (adjustmentId: string) => `adjustment:${adjustmentId}`;

/**
 * The lots that can be spent at `at`: earned by then and not yet expired. A redemption or correction
 * dated before a lot was earned cannot take from it (one dated a year back spent points earned today).
 */
function lotsAt(state: LoyaltyState, at: string): PointsLot[] {
  const instant = utc(at);
  return state.lots.filter((lot) => lot.earnedAt <= instant && lot.expiresAt > instant);
}

/** Points that can be spent at `at`: lots earned by then and not yet expired then, less any deficit. */
export function availablePoints(state: LoyaltyState, at: string): number {
  return lotsAt(state, at).reduce((sum, lot) => sum + lot.remaining, 0) - state.deficit;
}

/** The tier in force at `at`: the last change that took effect by then, or the programme's first tier. */
export function tierAt(state: LoyaltyState, at: string, firstTier: string): string {
  const instant = utc(at);
  let tier = firstTier;
  for (const change of state.tierChanges) {
    if (change.at > instant) break;
    tier = change.tier;
  }
  return tier;
}

/** Net spend (purchases less refunds) in `currency` of orders placed in the 12 months up to `at`. */
export function rollingSpendMinor(state: LoyaltyState, at: string, currency: string): number {
  const end = utc(at);
  const start = addMonths(end, -ROLLING_WINDOW_MONTHS);
  let total = 0;
  for (const order of Object.values(state.orders)) {
    // Orders in other currencies never add to the programme currency's spend.
    if (order.currency === currency && order.earnedAt > start && order.earnedAt <= end) total += order.amountMinor - order.refundedMinor;
  }
  return total;
}

const EPSILON = 1e-9;

export function loyaltyDecider(program: LoyaltyProgram): Decider<LoyaltyCommand, LoyaltyState, LoyaltyEvent> {
  const decider: Decider<LoyaltyCommand, LoyaltyState, LoyaltyEvent> = {
    initialState: () => ({ customerId: null, tier: program.tiers[0].name, tierChanges: [], latestAt: null, lots: [], deficit: 0, orders: {}, refunds: {}, redemptions: {}, adjustments: {} }),

    decide(command, state) {
      switch (command.type) {
        case 'EarnForPurchase':
          return withTierReview(earn(command, state), state, command.at, 'purchase', false);
        case 'ReverseForRefund':
          return withTierReview(reverse(command, state), state, command.at, 'refund', false);
        case 'Redeem':
          return redeem(command, state);
        case 'ExpirePoints':
          return withTierReview(expire(command, state), state, command.asOf, 'review', true);
        case 'Adjust':
          return adjust(command, state);
        default: {
          const unhandled: never = command;
          throw new Error(`Unhandled loyalty command ${JSON.stringify(unhandled)}`);
        }
      }
    },

    evolve,

    // A loyalty account grows with every purchase for as long as the customer buys: commands resume
    // from a snapshot. The state is plain JSON; the fold depends on the program only through the
    // first tier (the initial state), so a program starting from another tier makes older snapshots stale.
    // Version 2: the state keeps its tier changes and latest time.
    snapshot: jsonSnapshot(`loyalty/2/${program.tiers[0].name}`),
  };

  /**
   * Appends a TierChanged when the events move the rolling spend across a threshold, reviewed as of
   * the account's latest time (a purchase or refund recorded late counts in the window it falls in,
   * beside the later orders; the change takes effect at that latest time).
   */
  function withTierReview(events: LoyaltyEvent[], state: LoyaltyState, at: string, reason: TierChangeReason, evenIfUnchanged: boolean): LoyaltyEvent[] {
    // A redelivered earn or refund decides nothing, not even a review, so it stays a no-op.
    if (events.length === 0 && !evenIfUnchanged) return events;
    const customerId = state.customerId ?? (events[0]?.data.customerId as string | undefined);
    if (customerId === undefined) return events;
    const after = events.reduce(evolve, state);
    const asOf = after.latestAt !== null && after.latestAt > utc(at) ? after.latestAt : utc(at);
    const spend = rollingSpendMinor(after, asOf, program.currency);
    const target = tierForSpend(program, spend);
    if (target.name === after.tier) return events;
    const direction = target.thresholdMinor > tierNamed(program, after.tier).thresholdMinor ? 'up' : 'down';
    const changed: TierChanged = {
      type: 'TierChanged',
      data: { customerId, from: after.tier, to: target.name, direction, reason, rolling12mSpendMinor: spend, thresholdMinor: target.thresholdMinor, changedAt: asOf },
    };
    return [...events, changed];
  }

  function earn(command: EarnForPurchase, state: LoyaltyState): LoyaltyEvent[] {
    if (state.orders[command.orderId] !== undefined) return [];
    const categories: Record<string, number> = {};
    command.lines.forEach((line, index) => {
      if (!Number.isSafeInteger(line.amountMinor) || line.amountMinor < 0) {
        throw refuse.rule(`Line ${index + 1}: amountMinor must be a whole number, 0 or more`, `lines[${index}].amountMinor`);
      }
      categories[line.category] = (categories[line.category] ?? 0) + line.amountMinor;
    });
    const amountMinor = Object.values(categories).reduce((sum, amount) => sum + amount, 0);
    // The tier in force when the purchase was made, also for one recorded late.
    const tier = tierNamed(program, tierAt(state, command.at, program.tiers[0].name));
    const weightedMinor = Object.entries(categories).reduce((sum, [category, amount]) => sum + amount * (program.categoryMultipliers[category] ?? 1), 0);
    // Points are per major unit of the programme's currency (its own exponent: 1 JPY, 1.00 EUR, 1.000 BHD);
    // a purchase in any other currency earns none, since no rate converts it.
    const inProgrammeCurrency = recordedCurrency(command.currency).key === program.currency;
    const points = inProgrammeCurrency ? Math.floor(minorToMajor(weightedMinor, program.currency) * program.pointsPerMajorUnit * tier.multiplier + EPSILON) : 0;
    assertBalanceStaysExact(state, points);
    const earnedAt = utc(command.at);
    return [{
      type: 'PointsEarned',
      data: {
        customerId: command.customerId,
        orderId: command.orderId,
        lotId: orderLotId(command.orderId),
        points,
        basis: { amountMinor, currency: command.currency, categories, tier: tier.name, tierMultiplier: tier.multiplier },
        earnedAt,
        expiresAt: addMonths(earnedAt, program.expiryMonths),
        settledDeficit: Math.min(state.deficit, points),
      },
    }];
  }

  function reverse(command: ReverseForRefund, state: LoyaltyState): LoyaltyEvent[] {
    if (state.refunds[command.refundId] !== undefined) return [];
    if (!Number.isSafeInteger(command.amountMinor) || command.amountMinor <= 0) {
      throw refuse.rule('A refund is a whole number of minor units above 0', 'amountMinor');
    }
    const order = state.orders[command.orderId];
    if (order === undefined) throw refuse.notFound(`Order ${command.orderId} earned no points on this account`, 'orderId');
    // Proportional to everything refunded so far, so partial refunds never round past the full reversal.
    const refundedTotal = Math.min(order.amountMinor, order.refundedMinor + command.amountMinor);
    const target = order.amountMinor === 0 ? 0 : Math.floor((order.points * refundedTotal) / order.amountMinor + EPSILON);
    const points = Math.max(0, Math.min(target, order.points) - order.reversedPoints);
    // The order's own lot goes first, then the others oldest first; what no lot covers is owed.
    const ownLot = orderLotId(command.orderId);
    const ordered = [...state.lots.filter((lot) => lot.lotId === ownLot), ...state.lots.filter((lot) => lot.lotId !== ownLot)];
    const { consumed, uncovered } = consume(ordered, points);
    return [{
      type: 'PointsReversed',
      data: {
        customerId: command.customerId,
        orderId: command.orderId,
        refundId: command.refundId,
        refundedMinor: command.amountMinor,
        points,
        consumed,
        deficit: uncovered,
        reversedAt: utc(command.at),
      },
    }];
  }

  function redeem(command: Redeem, state: LoyaltyState): LoyaltyEvent[] {
    assertCustomerRegistered(command);
    if (!Number.isSafeInteger(command.points) || command.points <= 0) throw refuse.rule('points must be a whole number above 0', 'points');
    const earlier = state.redemptions[command.redemptionId];
    if (earlier !== undefined) {
      if (earlier === command.points) return [];
      throw refuse.alreadyExists(`Redemption ${command.redemptionId} was already made for ${pointsText(earlier)}`, 'redemptionId');
    }
    const available = availablePoints(state, command.at);
    if (command.points > available) {
      throw refuse.rule(`Cannot redeem ${pointsText(command.points)}: ${balanceStated(state, command.at)}`, 'points');
    }
    const at = utc(command.at);
    const { consumed } = consume(lotsAt(state, at), command.points);
    return [{
      type: 'PointsRedeemed',
      data: { customerId: command.customerId, redemptionId: command.redemptionId, points: command.points, reason: command.reason, consumed, redeemedAt: at },
    }];
  }

  function expire(command: ExpirePoints, state: LoyaltyState): LoyaltyEvent[] {
    const asOf = utc(command.asOf);
    const due = state.lots.filter((lot) => lot.expiresAt <= asOf && lot.remaining > 0);
    if (due.length === 0) return [];
    return [{
      type: 'PointsExpired',
      data: {
        customerId: command.customerId,
        asOf,
        points: due.reduce((sum, lot) => sum + lot.remaining, 0),
        lots: due.map((lot) => ({ lotId: lot.lotId, points: lot.remaining, earnedAt: lot.earnedAt, expiresAt: lot.expiresAt })),
      },
    }];
  }

  function adjust(command: Adjust, state: LoyaltyState): LoyaltyEvent[] {
    assertCustomerRegistered(command);
    if (!Number.isSafeInteger(command.points) || command.points === 0) throw refuse.rule('points must be a whole number other than 0', 'points');
    const earlier = state.adjustments[command.adjustmentId];
    if (earlier !== undefined) {
      if (earlier === command.points) return [];
      throw refuse.alreadyExists(`Adjustment ${command.adjustmentId} was already made for ${pointsText(earlier)}`, 'adjustmentId');
    }
    const at = utc(command.at);
    if (command.points > 0) assertBalanceStaysExact(state, command.points);
    const base = { customerId: command.customerId, adjustmentId: command.adjustmentId, points: command.points, reason: command.reason, adjustedAt: at };
    if (command.points > 0) {
      return [{
        type: 'PointsAdjusted',
        data: { ...base, lotId: adjustmentLotId(command.adjustmentId), expiresAt: addMonths(at, program.expiryMonths), consumed: [], settledDeficit: Math.min(state.deficit, command.points) },
      }];
    }
    const available = availablePoints(state, at);
    if (-command.points > available) {
      throw refuse.rule(`Cannot take ${pointsText(-command.points)}: ${balanceStated(state, at)}`, 'points');
    }
    const { consumed } = consume(lotsAt(state, at), -command.points);
    return [{ type: 'PointsAdjusted', data: { ...base, lotId: null, expiresAt: null, consumed, settledDeficit: 0 } }];
  }

  return decider;
}

/**
 * Points are whole numbers summed into a balance: beyond Number.MAX_SAFE_INTEGER they would no longer
 * be exact. Order totals and the programme's multipliers are bounded so this never happens in use;
 * the decider still refuses rather than record a figure it cannot add up.
 */
function assertBalanceStaysExact(state: LoyaltyState, points: number): void {
  const lotsTotal = pointsBalance(state.lots, 0);
  if (!Number.isSafeInteger(points) || !Number.isSafeInteger(lotsTotal + points)) {
    throw refuse.rule(`${pointsText(points)} more would take the balance beyond ${Number.MAX_SAFE_INTEGER}`, 'points');
  }
}

/** Takes `points` from the lots in the given order; reports what no lot covered. */
function consume(lots: readonly PointsLot[], points: number): { consumed: LotConsumption[]; uncovered: number } {
  const consumed: LotConsumption[] = [];
  let left = points;
  for (const lot of lots) {
    if (left === 0) break;
    const take = Math.min(lot.remaining, left);
    if (take > 0) consumed.push({ lotId: lot.lotId, points: take });
    left -= take;
  }
  return { consumed, uncovered: left };
}

function addLot(state: LoyaltyState, lot: PointsLot): LoyaltyState {
  if (lot.remaining <= 0) return state;
  const lots = [...state.lots, lot].sort((a, b) => (a.earnedAt < b.earnedAt ? -1 : a.earnedAt > b.earnedAt ? 1 : a.lotId < b.lotId ? -1 : 1));
  return { ...state, lots };
}

function takeFromLots(lots: readonly PointsLot[], taken: readonly LotConsumption[]): PointsLot[] {
  const byLot = new Map<string, number>();
  for (const item of taken) byLot.set(item.lotId, (byLot.get(item.lotId) ?? 0) + item.points);
  return lots.map((lot) => ({ ...lot, remaining: lot.remaining - (byLot.get(lot.lotId) ?? 0) })).filter((lot) => lot.remaining > 0);
}

function evolve(before: LoyaltyState, event: LoyaltyEvent): LoyaltyState {
  const at = businessTimeOf(event);
  const state = at !== undefined && (before.latestAt === null || at > before.latestAt) ? { ...before, latestAt: at } : before;
  const customerId = state.customerId ?? event.data.customerId;
  switch (event.type) {
    case 'PointsEarned': {
      const { orderId, lotId, points, basis, earnedAt, expiresAt, settledDeficit } = event.data;
      const next: LoyaltyState = {
        ...state,
        customerId,
        deficit: state.deficit - settledDeficit,
        orders: { ...state.orders, [orderId]: { currency: recordedCurrency(basis.currency).key, amountMinor: basis.amountMinor, refundedMinor: 0, earnedAt, points, reversedPoints: 0 } },
      };
      return addLot(next, { lotId, earnedAt, expiresAt, remaining: points - settledDeficit });
    }
    case 'PointsReversed': {
      const { orderId, refundId, refundedMinor, points, consumed, deficit } = event.data;
      const order = state.orders[orderId];
      const orders = order
        ? { ...state.orders, [orderId]: { ...order, refundedMinor: order.refundedMinor + refundedMinor, reversedPoints: order.reversedPoints + points } }
        : state.orders;
      return { ...state, customerId, orders, refunds: { ...state.refunds, [refundId]: refundedMinor }, lots: takeFromLots(state.lots, consumed), deficit: state.deficit + deficit };
    }
    case 'PointsRedeemed':
      return { ...state, customerId, redemptions: { ...state.redemptions, [event.data.redemptionId]: event.data.points }, lots: takeFromLots(state.lots, event.data.consumed) };
    case 'PointsExpired':
      return { ...state, customerId, lots: takeFromLots(state.lots, event.data.lots) };
    case 'PointsAdjusted': {
      const { adjustmentId, points, lotId, expiresAt, consumed, settledDeficit, adjustedAt } = event.data;
      const next: LoyaltyState = {
        ...state,
        customerId,
        adjustments: { ...state.adjustments, [adjustmentId]: points },
        lots: takeFromLots(state.lots, consumed),
        deficit: state.deficit - settledDeficit,
      };
      return lotId !== null && expiresAt !== null ? addLot(next, { lotId, earnedAt: adjustedAt, expiresAt, remaining: points - settledDeficit }) : next;
    }
    case 'TierChanged': {
      const change = { at: utc(event.data.changedAt), tier: event.data.to };
      // By when each took effect (changes recorded before reviews used the latest time may be dated earlier).
      const tierChanges = [...state.tierChanges, change].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      return { ...state, customerId, tier: event.data.to, tierChanges };
    }
    default: {
      // Compile-time exhaustiveness; at run time an event type this code does not know is ignored.
      const unknownEvent: never = event;
      void unknownEvent;
      return state;
    }
  }
}

/** When a loyalty event happened in business time (undefined for a type this code does not know). */
function businessTimeOf(event: LoyaltyEvent): string | undefined {
  switch (event.type) {
    case 'PointsEarned':
      return utc(event.data.earnedAt);
    case 'PointsReversed':
      return utc(event.data.reversedAt);
    case 'PointsRedeemed':
      return utc(event.data.redeemedAt);
    case 'PointsExpired':
      return utc(event.data.asOf);
    case 'PointsAdjusted':
      return utc(event.data.adjustedAt);
    case 'TierChanged':
      return utc(event.data.changedAt);
    default:
      return undefined;
  }
}

/**
 * The balance an account shows (its read model too): points left in its lots less any deficit.
 * Lots expired but not yet swept still count until the sweep records their expiry.
 */
export function pointsBalance(lots: readonly { readonly remaining: number }[], deficit: number): number {
  return lots.reduce((sum, lot) => sum + lot.remaining, 0) - deficit;
}

export function balanceOf(state: LoyaltyState): number {
  return pointsBalance(state.lots, state.deficit);
}

/** A number of points in words: `1 point`, `5 points`. */
function pointsText(points: number): string {
  return `${points} ${Math.abs(points) === 1 ? 'point' : 'points'}`;
}

/**
 * A refusal's account of the balance: the figure the account shows, and why less of it can be spent
 * at `at` (points expired but not yet swept, a deficit), so a client reading both sees one story.
 */
function balanceStated(state: LoyaltyState, at: string): string {
  const balance = balanceOf(state);
  const instant = utc(at);
  const later = state.lots.filter((lot) => lot.earnedAt > instant).reduce((sum, lot) => sum + lot.remaining, 0);
  const expired = balance - availablePoints(state, at) - later;
  const reasons = [
    ...(expired > 0 ? [`${expired} expired and not yet removed`] : []),
    ...(later > 0 ? [`${later} earned after ${instant}, the time of this request`] : []),
    ...(state.deficit > 0 ? [`a deficit of ${state.deficit}: points reversed beyond what was left, paid off by the next points earned`] : []),
  ];
  if (reasons.length === 0) return `the balance is ${balance}`;
  const spendable = expired > 0 || later > 0 ? `, of which ${Math.max(0, balance - expired - later)} can be spent` : '';
  return `the balance is ${balance}${spendable} (${reasons.join('; ')})`;
}
