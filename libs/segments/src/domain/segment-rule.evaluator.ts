// Evaluates a segment rule against what we know about one customer at an instant. Pure: the facts
// are assembled from the read models elsewhere (../evaluation/customer-facts.ts), "now" is a value.
import type { ConsentPurposeName, DateRef, GenderName, NpsClassName, Range, SegmentRule } from './segment-rule';

const DAY_MS = 86_400_000;

export interface PurchaseFact {
  /** Business time, ISO-8601. */
  readonly at: string;
  /** The order's currency: its ISO 4217 code (`?XYZ` for an unrecognised legacy code). */
  readonly currency: string;
  /** Order total minus its refunds, minor units of `currency`. */
  readonly netMinor: number;
  /** Gross amount per product category of the order's lines. */
  readonly byCategory: Readonly<Record<string, number>>;
}

export interface ModelFacts {
  readonly pAlive: number;
  /** 0–100. */
  readonly churnRisk: number;
  /** Minor units of `currency`; null without spend in it. */
  readonly predictedClvMinor: number | null;
  /** The reporting currency. */
  readonly currency: string;
}

/** Everything a rule may ask about one customer. Lists are bounded, latest last. */
export interface CustomerFacts {
  readonly customerId: string;
  /** `YYYY-MM-DD`. */
  readonly birthDate: string | null;
  readonly gender: GenderName | null;
  readonly country: string | null;
  readonly city: string | null;
  readonly purchases: readonly PurchaseFact[];
  readonly lastPurchaseAt: string | null;
  /** Business times of logged calls. */
  readonly callTimes: readonly string[];
  readonly ticketsOpen: number;
  readonly emailsOpened: number;
  /** Null without orders. */
  /** Null without orders; M ranks net revenue in the reporting currency. */
  readonly rfm: { readonly r: number; readonly f: number; readonly m: number } | null;
  /** The model's figures now; null without an order or while no model is fitted. */
  readonly model: ModelFacts | null;
  readonly loyaltyTier: string | null;
  readonly npsClass: NpsClassName | null;
  /** Latest decision per purpose; absent when never asked. */
  readonly consents: Partial<Readonly<Record<ConsentPurposeName, boolean>>>;
  /** Forgotten (right to erasure): a member of no segment. */
  readonly forgotten: boolean;
}

/** Facts of a customer we know nothing about yet. */
export function emptyCustomerFacts(customerId: string): CustomerFacts {
  return {
    customerId, birthDate: null, gender: null, country: null, city: null, purchases: [], lastPurchaseAt: null, callTimes: [],
    ticketsOpen: 0, emailsOpened: 0, rfm: null, model: null, loyaltyTier: null, npsClass: null, consents: {}, forgotten: false,
  };
}

/**
 * Whether the customer may be in a segment at all, whatever its rule says: never once forgotten,
 * and for a segment used for a consent purpose (marketing by email, SMS, phone...) only while
 * their latest decision for that purpose is to give it. Checked at every evaluation, so a
 * withdrawal takes them out at the next one.
 */
export function mayBeMember(purpose: ConsentPurposeName | null, facts: CustomerFacts): boolean {
  return !facts.forgotten && (purpose === null || facts.consents[purpose] === true);
}

/** Whole years from a `YYYY-MM-DD` birth date to `now` (UTC calendar), or null. */
export function ageAt(birthDate: string | null, now: Date): number | null {
  if (birthDate === null) return null;
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(birthDate);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  let age = now.getUTCFullYear() - year;
  const beforeBirthday = now.getUTCMonth() + 1 < month || (now.getUTCMonth() + 1 === month && now.getUTCDate() < day);
  if (beforeBirthday) age -= 1;
  return age;
}

export function inRange(value: number, range: Range): boolean {
  return (range.gte === undefined || value >= range.gte) && (range.lte === undefined || value <= range.lte);
}

function instantOf(ref: DateRef, now: Date): number {
  return typeof ref === 'string' ? Date.parse(ref) : now.getTime() - ref.daysAgo * DAY_MS;
}

/** Start of a "last N days" window: events at or after it count. */
function windowStart(withinDays: number, now: Date): number {
  return now.getTime() - withinDays * DAY_MS;
}

function inWindow(at: string, withinDays: number, now: Date): boolean {
  const t = Date.parse(at);
  return t >= windowStart(withinDays, now) && t <= now.getTime();
}

function compareNumber(actual: number, op: string, value: number | readonly number[]): boolean {
  const list = Array.isArray(value) ? (value as readonly number[]) : [value as number];
  const single = list[0];
  switch (op) {
    case 'eq': return actual === single;
    case 'ne': return actual !== single;
    case 'gt': return actual > single;
    case 'gte': return actual >= single;
    case 'lt': return actual < single;
    case 'lte': return actual <= single;
    case 'between': return actual >= list[0] && actual <= list[1];
    case 'in': return list.includes(actual);
    case 'notIn': return !list.includes(actual);
    default: return false;
  }
}

function compareText(actual: string, op: string, value: string | readonly string[], normalise: (s: string) => string): boolean {
  const list = (Array.isArray(value) ? (value as readonly string[]) : [value as string]).map(normalise);
  const a = normalise(actual);
  switch (op) {
    case 'eq': return a === list[0];
    case 'ne': return a !== list[0];
    case 'in': return list.includes(a);
    case 'notIn': return !list.includes(a);
    default: return false;
  }
}

/** Does the customer belong to the segment at `now`? The rule must be valid (validateSegmentRule). */
export function matches(rule: SegmentRule, facts: CustomerFacts, now: Date): boolean {
  if ('all' in rule) return rule.all.every((child) => matches(child, facts, now));
  if ('any' in rule) return rule.any.some((child) => matches(child, facts, now));
  if ('not' in rule) return !matches(rule.not, facts, now);
  if ('field' in rule) {
    if (rule.field === 'age') {
      const age = ageAt(facts.birthDate, now);
      return age !== null && compareNumber(age, rule.op, rule.value);
    }
    const actual = facts[rule.field];
    // A missing value only satisfies the negative operators.
    if (actual === null) return rule.op === 'ne' || rule.op === 'notIn';
    // A city in one Unicode form (München typed precomposed matches one registered with a combining accent), case and spaces aside.
    const normalise = rule.field === 'country' ? (s: string) => s.toUpperCase() : rule.field === 'city' ? (s: string) => s.normalize('NFC').trim().toLowerCase() : (s: string) => s;
    return compareText(actual, rule.op, rule.value, normalise);
  }
  if ('purchases' in rule) {
    const { count, sumMinor, withinDays, category, currency } = rule.purchases;
    // A valid rule names the currency of sumMinor (validateSegmentRule; withMoneyCurrency for old ones).
    if (sumMinor !== undefined && currency === undefined) throw new Error('A purchases condition with sumMinor must name its currency');
    const inside = facts.purchases.filter((p) =>
      inWindow(p.at, withinDays, now) && (currency === undefined || p.currency === currency) && (category === undefined || p.byCategory[category] !== undefined));
    const sum = inside.reduce((total, p) => total + (category === undefined ? p.netMinor : p.byCategory[category]), 0);
    return (count === undefined || inRange(inside.length, count)) && (sumMinor === undefined || inRange(sum, sumMinor));
  }
  if ('lastPurchase' in rule) {
    if (facts.lastPurchaseAt === null) return false;
    const last = Date.parse(facts.lastPurchaseAt);
    const { before, after } = rule.lastPurchase;
    return (before === undefined || last < instantOf(before, now)) && (after === undefined || last > instantOf(after, now));
  }
  if ('calls' in rule) {
    return inRange(facts.callTimes.filter((at) => inWindow(at, rule.calls.withinDays, now)).length, rule.calls.count);
  }
  if ('ticketsOpen' in rule) return inRange(facts.ticketsOpen, rule.ticketsOpen);
  if ('emailsOpened' in rule) return inRange(facts.emailsOpened, rule.emailsOpened);
  if ('rfm' in rule) {
    const scores = facts.rfm;
    if (scores === null) return false;
    return (['r', 'f', 'm'] as const).every((dim) => rule.rfm[dim] === undefined || inRange(scores[dim], rule.rfm[dim] as Range));
  }
  if ('pAlive' in rule) return facts.model !== null && inRange(facts.model.pAlive, rule.pAlive);
  if ('churnRisk' in rule) return facts.model !== null && inRange(facts.model.churnRisk, rule.churnRisk);
  if ('predictedClv' in rule) {
    const model = facts.model;
    return model !== null && model.predictedClvMinor !== null && model.currency === rule.predictedClv.currency && inRange(model.predictedClvMinor, rule.predictedClv);
  }
  if ('loyaltyTier' in rule) return facts.loyaltyTier !== null && rule.loyaltyTier.in.includes(facts.loyaltyTier);
  if ('npsClass' in rule) return facts.npsClass !== null && rule.npsClass.in.includes(facts.npsClass);
  if ('consent' in rule) return (facts.consents[rule.consent.purpose] ?? false) === rule.consent.granted;
  const unhandled: never = rule;
  throw new Error(`Unhandled segment rule ${JSON.stringify(unhandled)}`);
}
