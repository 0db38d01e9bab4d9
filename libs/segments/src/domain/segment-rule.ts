// The segment rule language: a typed JSON condition tree (all / any / not over leaf conditions on a
// customer's profile and behaviour), its validator (errors name the JSON path, e.g.
// `rule.all[1].purchases.withinDays`) and whether a rule depends on the passing of time.
// Pure: no I/O; "now" comes in as a value where it matters (see segment-rule.evaluator.ts).
import { describeTextFault, isCalendarDay, isInstant, saysSomething, textFault } from '@app/event-sourcing';
import { currencyCodeProblem } from '@app/money';

export type ConsentPurposeName = 'marketing_email' | 'marketing_sms' | 'marketing_phone' | 'profiling' | 'third_party_sharing';
export type GenderName = 'female' | 'male' | 'diverse' | 'unspecified';
export type NpsClassName = 'promoter' | 'passive' | 'detractor';

export const CONSENT_PURPOSE_NAMES: readonly ConsentPurposeName[] = ['marketing_email', 'marketing_sms', 'marketing_phone', 'profiling', 'third_party_sharing'];
export const GENDER_NAMES: readonly GenderName[] = ['female', 'male', 'diverse', 'unspecified'];
export const NPS_CLASS_NAMES: readonly NpsClassName[] = ['promoter', 'passive', 'detractor'];

/** Inclusive bounds; at least one is given. */
export interface Range {
  readonly gte?: number;
  readonly lte?: number;
}

// The bounds the validator below enforces, as JSDoc the OpenAPI schema generator reads (a client
// sees them in the document; the contract test generates rules within them).
/** Inclusive bounds of a count; at least one is given. */
export interface CountRange extends Range {
  /**
   * @asType integer
   * @minimum 0
   */
  readonly gte?: number;
  /**
   * @asType integer
   * @minimum 0
   */
  readonly lte?: number;
}

/** Inclusive bounds of an RFM score; at least one is given. */
export interface ScoreRange extends Range {
  /**
   * @minimum 0
   * @maximum 5
   */
  readonly gte?: number;
  /**
   * @minimum 0
   * @maximum 5
   */
  readonly lte?: number;
}

/** A fixed instant (ISO-8601) or a moment relative to "now". */
export type DateRef = string | { readonly daysAgo: number };

export type NumericOp = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'between' | 'in' | 'notIn';
export type TextOp = 'eq' | 'ne' | 'in' | 'notIn';

/** Age in whole years from `birthDate` at "now"; a customer without a birth date never matches. */
export interface AgeCondition {
  readonly field: 'age';
  readonly op: NumericOp;
  /** A number; `[min, max]` (inclusive) for `between`; a list for `in` / `notIn`. */
  readonly value: number | readonly number[];
}

/** Gender, country (ISO alpha-2, compared upper-case) or city (compared case-insensitively). */
export interface TextFieldCondition {
  readonly field: 'gender' | 'country' | 'city';
  readonly op: TextOp;
  readonly value: string | readonly string[];
}

export type FieldCondition = AgeCondition | TextFieldCondition;

/**
 * Orders completed in the last `withinDays` days (optionally with a line in `category`; with a
 * `currency`, only orders in that currency). Money never adds two currencies: `sumMinor` needs
 * `currency` and compares minor units of it.
 */
export interface PurchasesCondition {
  readonly purchases: {
    readonly count?: CountRange;
    /** Net of refunds, minor units of `currency`; with a category, the sum of that category's lines. */
    readonly sumMinor?: Range;
    /**
     * @asType integer
     * @minimum 1
     */
    readonly withinDays: number;
    /** @maxLength 200 */
    readonly category?: string;
    /**
     * ISO 4217 code; required with sumMinor. Rules stored before it was required have none: they
     * are read in REPORTING_CURRENCY (see withMoneyCurrency).
     */
    readonly currency?: string;
  };
}

/** The latest purchase happened before / after an instant; a customer who never bought never matches. */
export interface LastPurchaseCondition {
  readonly lastPurchase: { readonly before?: DateRef; readonly after?: DateRef };
}

export interface CallsCondition {
  readonly calls: {
    readonly count: CountRange;
    /**
     * @asType integer
     * @minimum 1
     */
    readonly withinDays: number;
  };
}

export interface TicketsOpenCondition {
  readonly ticketsOpen: CountRange;
}

/** Distinct emails opened, all time. */
export interface EmailsOpenedCondition {
  readonly emailsOpened: CountRange;
}

/** RFM scores 1–5 ranked against every customer with an order; customers without orders never match. */
export interface RfmCondition {
  readonly rfm: { readonly r?: ScoreRange; readonly f?: ScoreRange; readonly m?: ScoreRange };
}

/**
 * The model's figures as of the evaluation (see the analytics capability): P(alive) 0–1, churn risk
 * 0–100, predicted CLV in minor units of `currency`, which must be the reporting currency (the only
 * one CLV is computed in; another never matches). Customers without an order, or while no model is
 * fitted, never match.
 */
export interface PAliveCondition {
  readonly pAlive: Range;
}

export interface ChurnRiskCondition {
  readonly churnRisk: Range;
}

export interface PredictedClvCondition {
  readonly predictedClv: Range & { readonly currency: string };
}

export interface LoyaltyTierCondition {
  readonly loyaltyTier: { readonly in: readonly string[] };
}

/** Band of the latest NPS answer. */
export interface NpsClassCondition {
  readonly npsClass: { readonly in: readonly NpsClassName[] };
}

/** `granted: false` also matches a customer never asked about the purpose. */
export interface ConsentCondition {
  readonly consent: { readonly purpose: ConsentPurposeName; readonly granted: boolean };
}

export type LeafCondition =
  | FieldCondition
  | PurchasesCondition
  | LastPurchaseCondition
  | CallsCondition
  | TicketsOpenCondition
  | EmailsOpenedCondition
  | RfmCondition
  | PAliveCondition
  | ChurnRiskCondition
  | PredictedClvCondition
  | LoyaltyTierCondition
  | NpsClassCondition
  | ConsentCondition;

export type SegmentRule =
  | {
      /** @minItems 1 */
      readonly all: readonly SegmentRule[];
    }
  | {
      /** @minItems 1 */
      readonly any: readonly SegmentRule[];
    }
  | { readonly not: SegmentRule }
  | LeafCondition;

export interface RuleError {
  /** JSON path from the request body, e.g. `rule.all[1].purchases.withinDays`. */
  readonly path: string;
  /** Full sentence starting with the path. */
  readonly message: string;
}

/** Bounds keep evaluation cheap and stop pathological rules from the API. */
export const MAX_RULE_DEPTH = 12;
export const MAX_RULE_NODES = 200;
export const MAX_WITHIN_DAYS = 3650;
/** Longest text a rule compares with (a city, a category, a tier): longer than any stored value. */
export const MAX_RULE_TEXT = 200;

const LEAF_KEYS = ['purchases', 'lastPurchase', 'calls', 'ticketsOpen', 'emailsOpened', 'rfm', 'pAlive', 'churnRisk', 'predictedClv', 'loyaltyTier', 'npsClass', 'consent'] as const;
const NUMERIC_OPS: readonly NumericOp[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'notIn'];
const TEXT_OPS: readonly TextOp[] = ['eq', 'ne', 'in', 'notIn'];

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

/**
 * A UTC calendar day or an instant with its offset (a local time would name no instant at all), each
 * one the calendar has: Date.parse rolled 2026-02-30 over into 2 March.
 */
function isIsoInstant(value: unknown): value is string {
  return isCalendarDay(value) || isInstant(value);
}

/**
 * What a rule may name beside its own vocabulary, from the deployment's configuration: a rule is
 * checked against it when it is defined or previewed, never when one already recorded is read.
 */
export interface RuleVocabulary {
  /** The loyalty programme's tiers (LOYALTY_TIERS): a rule naming another would match nobody. */
  readonly loyaltyTiers?: readonly string[];
  /** Whether an upper-case code is a country profiles can hold (registration's own check): another would match nobody. */
  readonly isCountryCode?: (code: string) => boolean;
}

/** What is wrong with a text operand as a value of its field, or undefined. */
type TextValueCheck = (value: string) => string | undefined;
const anyText: TextValueCheck = () => undefined;
const oneOf = (allowed: readonly string[]): TextValueCheck => (value) => (allowed.includes(value) ? undefined : `must be one of ${allowed.join(', ')}`);

class RuleChecker {
  readonly errors: RuleError[] = [];
  private nodes = 0;

  constructor(private readonly vocabulary: RuleVocabulary) {}

  fail(path: string, problem: string): void {
    this.errors.push({ path, message: `${path} ${problem}` });
  }

  rule(value: unknown, path: string, depth: number): void {
    this.nodes += 1;
    if (this.nodes > MAX_RULE_NODES) {
      if (this.nodes === MAX_RULE_NODES + 1) this.fail(path, `exceeds the limit of ${MAX_RULE_NODES} conditions`);
      return;
    }
    if (depth > MAX_RULE_DEPTH) return this.fail(path, `nests deeper than ${MAX_RULE_DEPTH} levels`);
    if (!isObject(value)) return this.fail(path, 'must be an object');
    const keys = Object.keys(value);
    if ('field' in value) return this.field(value, path);
    if (keys.length !== 1) {
      return this.fail(path, `must have exactly one of all, any, not, field, ${LEAF_KEYS.join(', ')} (got ${keys.length === 0 ? 'none' : keys.join(', ')})`);
    }
    const [key] = keys;
    const inner = value[key];
    const at = `${path}.${key}`;
    switch (key) {
      case 'all':
      case 'any':
        if (!Array.isArray(inner) || inner.length === 0) return this.fail(at, 'must be a non-empty array of rules');
        inner.forEach((child, index) => this.rule(child, `${at}[${index}]`, depth + 1));
        return;
      case 'not':
        return this.rule(inner, at, depth + 1);
      case 'purchases':
        return this.purchases(inner, at);
      case 'lastPurchase':
        return this.lastPurchase(inner, at);
      case 'calls':
        if (!this.object(inner, at, ['count', 'withinDays'])) return;
        this.countRange(inner.count, `${at}.count`);
        this.withinDays(inner.withinDays, `${at}.withinDays`);
        return;
      case 'ticketsOpen':
      case 'emailsOpened':
        return this.countRange(inner, at);
      case 'rfm': {
        if (!this.object(inner, at, ['r', 'f', 'm'])) return;
        const dims = (['r', 'f', 'm'] as const).filter((d) => inner[d] !== undefined);
        if (dims.length === 0) return this.fail(at, 'must give at least one of r, f, m');
        for (const dim of dims) this.range(inner[dim], `${at}.${dim}`, true, 5);
        return;
      }
      case 'pAlive':
        return this.boundedRange(inner, at, 0, 1);
      case 'churnRisk':
        return this.boundedRange(inner, at, 0, 100);
      case 'predictedClv': {
        if (!this.object(inner, at, ['gte', 'lte', 'currency'])) return;
        const { currency, ...bounds } = inner;
        this.range(bounds, at, false);
        const problem = currencyCodeProblem(currency, `${at}.currency`);
        if (problem !== null) this.errors.push({ path: `${at}.currency`, message: problem });
        return;
      }
      case 'loyaltyTier':
        if (!this.object(inner, at, ['in'])) return;
        this.stringList(inner.in, `${at}.in`, this.vocabulary.loyaltyTiers ? oneOf(this.vocabulary.loyaltyTiers) : anyText);
        return;
      case 'npsClass':
        if (!this.object(inner, at, ['in'])) return;
        this.stringList(inner.in, `${at}.in`, oneOf(NPS_CLASS_NAMES));
        return;
      case 'consent':
        if (!this.object(inner, at, ['purpose', 'granted'])) return;
        if (!CONSENT_PURPOSE_NAMES.includes(inner.purpose as ConsentPurposeName)) this.fail(`${at}.purpose`, `must be one of ${CONSENT_PURPOSE_NAMES.join(', ')}`);
        if (typeof inner.granted !== 'boolean') this.fail(`${at}.granted`, 'must be a boolean');
        return;
      default:
        return this.fail(path, `has an unknown condition "${key}"; expected one of all, any, not, field, ${LEAF_KEYS.join(', ')}`);
    }
  }

  private object(value: unknown, path: string, allowed: readonly string[]): value is Json {
    if (!isObject(value)) {
      this.fail(path, 'must be an object');
      return false;
    }
    const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
    for (const key of unknown) this.fail(`${path}.${key}`, `is not allowed here (allowed: ${allowed.join(', ')})`);
    return unknown.length === 0;
  }

  /** A range of a count: whole numbers only (`gte: 1.5` purchases matches what `gte: 2` does, and says it less plainly). */
  private countRange(value: unknown, path: string): void {
    this.range(value, path, true, undefined, 'count');
  }

  /**
   * A range of an amount in minor units: whole, not negative, exact in a double (found from outside:
   * `sumMinor: {gte: -1}` matched every customer, 1.5 and 2^53 + 1 were taken).
   */
  private minorUnitsRange(value: unknown, path: string): void {
    this.range(value, path, true, undefined, 'minor units');
  }

  private range(value: unknown, path: string, nonNegative: boolean, max?: number, whole?: 'count' | 'minor units'): void {
    if (!this.object(value, path, ['gte', 'lte'])) return;
    if (value.gte === undefined && value.lte === undefined) return this.fail(path, 'must give gte, lte or both');
    for (const bound of ['gte', 'lte'] as const) {
      const v = value[bound];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isFinite(v) || (nonNegative && v < 0)) this.fail(`${path}.${bound}`, `must be a ${nonNegative ? 'non-negative ' : ''}number`);
      else if (whole === 'count' && !Number.isInteger(v)) this.fail(`${path}.${bound}`, 'must be a whole number (a count)');
      else if (whole === 'minor units' && !Number.isSafeInteger(v)) this.fail(`${path}.${bound}`, `must be a whole number of minor units (cents for EUR), at most ${Number.MAX_SAFE_INTEGER}`);
      else if (max !== undefined && (v < 1 || v > max)) this.fail(`${path}.${bound}`, `must be between 1 and ${max}`);
    }
    if (typeof value.gte === 'number' && typeof value.lte === 'number' && value.gte > value.lte) this.fail(path, 'has gte greater than lte');
  }

  /** A range whose bounds lie in [min, max]. */
  private boundedRange(value: unknown, path: string, min: number, max: number): void {
    this.range(value, path, false);
    if (!isObject(value)) return;
    for (const bound of ['gte', 'lte'] as const) {
      const v = value[bound];
      if (typeof v === 'number' && Number.isFinite(v) && (v < min || v > max)) this.fail(`${path}.${bound}`, `must be between ${min} and ${max}`);
    }
  }

  private withinDays(value: unknown, path: string): void {
    if (!isPositiveInteger(value)) return this.fail(path, 'must be a positive integer');
    if (value > MAX_WITHIN_DAYS) this.fail(path, `must be at most ${MAX_WITHIN_DAYS}`);
  }

  /** The profile fields' values as registration takes them: a gender of the list, a country code (any case), a city that says something. */
  private profileValueCheck(field: 'gender' | 'country' | 'city'): TextValueCheck {
    switch (field) {
      case 'gender':
        return oneOf(GENDER_NAMES);
      case 'country': {
        const isCountryCode = this.vocabulary.isCountryCode;
        return (value) => (isCountryCode === undefined || isCountryCode(value.toUpperCase()) ? undefined : 'must be an ISO 3166-1 alpha-2 country code (DE, FR, GB, …), as profiles hold them');
      }
      case 'city':
        return (value) => (saysSomething(value) ? undefined : 'must not be blank (or only characters that show nothing)');
    }
  }

  private stringList(value: unknown, path: string, check: TextValueCheck = anyText): void {
    if (!Array.isArray(value) || value.length === 0) return this.fail(path, 'must be a non-empty array of strings');
    value.forEach((item, index) => this.textValue(item, `${path}[${index}]`, check));
  }

  /** One text operand: a non-empty single line that `check` takes (a value the field can hold). */
  private textValue(value: unknown, path: string, check: TextValueCheck): void {
    if (typeof value !== 'string' || value.length === 0) return this.fail(path, 'must be a non-empty string');
    if (!this.oneLine(value, path)) return;
    const problem = check(value);
    if (problem !== undefined) this.fail(path, problem);
  }

  private purchases(value: unknown, path: string): void {
    if (!this.object(value, path, ['count', 'sumMinor', 'withinDays', 'category', 'currency'])) return;
    if (value.count === undefined && value.sumMinor === undefined) this.fail(path, 'must give count, sumMinor or both');
    if (value.count !== undefined) this.countRange(value.count, `${path}.count`);
    if (value.sumMinor !== undefined) this.minorUnitsRange(value.sumMinor, `${path}.sumMinor`);
    if (value.currency !== undefined) {
      const problem = currencyCodeProblem(value.currency, `${path}.currency`);
      if (problem !== null) this.errors.push({ path: `${path}.currency`, message: problem });
    } else if (value.sumMinor !== undefined) {
      this.fail(`${path}.currency`, 'must be given with sumMinor: amounts are minor units of one ISO 4217 currency (e.g. "EUR"), never of several added together');
    }
    this.withinDays(value.withinDays, `${path}.withinDays`);
    if (value.category !== undefined && (typeof value.category !== 'string' || value.category.length === 0)) this.fail(`${path}.category`, 'must be a non-empty string');
    else if (typeof value.category === 'string') this.oneLine(value.category, `${path}.category`);
  }

  /** Rule values are compared with stored single-line text: the same characters are refused. */
  private oneLine(text: string, path: string): boolean {
    if (text.length > MAX_RULE_TEXT) {
      this.fail(path, `must be at most ${MAX_RULE_TEXT} characters`);
      return false;
    }
    const fault = textFault(text, 'single-line');
    if (fault) this.fail(path, `must be one line of text: ${describeTextFault(fault)}`);
    return fault === null;
  }

  private lastPurchase(value: unknown, path: string): void {
    if (!this.object(value, path, ['before', 'after'])) return;
    if (value.before === undefined && value.after === undefined) return this.fail(path, 'must give before, after or both');
    for (const bound of ['before', 'after'] as const) {
      const v = value[bound];
      if (v === undefined) continue;
      const at = `${path}.${bound}`;
      if (isObject(v)) {
        if (!this.object(v, at, ['daysAgo'])) continue;
        if (!(typeof v.daysAgo === 'number' && Number.isInteger(v.daysAgo) && v.daysAgo >= 0)) this.fail(`${at}.daysAgo`, 'must be a non-negative integer');
      } else if (!isIsoInstant(v)) {
        this.fail(at, 'must be a UTC calendar day that exists (2026-03-01), an ISO-8601 date and time with its offset or Z, or {daysAgo: N}');
      }
    }
    // Two dates where the window closes before it opens select nobody: a typo, refused as count ranges are.
    const { before, after } = value;
    if (isIsoInstant(before) && isIsoInstant(after) && Date.parse(after) >= Date.parse(before)) this.fail(`${path}.after`, 'must be before lastPurchase.before (the window would hold no day)');
  }

  private field(value: Json, path: string): void {
    if (!this.object(value, path, ['field', 'op', 'value'])) return;
    const { field, op, value: operand } = value;
    if (field === 'age') {
      if (!NUMERIC_OPS.includes(op as NumericOp)) return this.fail(`${path}.op`, `must be one of ${NUMERIC_OPS.join(', ')} for age`);
      if (op === 'between') {
        if (!(Array.isArray(operand) && operand.length === 2 && operand.every(isNonNegativeNumber) && operand[0] <= operand[1])) {
          this.fail(`${path}.value`, 'must be [min, max] with 0 ≤ min ≤ max for between');
        }
      } else if (op === 'in' || op === 'notIn') {
        if (!(Array.isArray(operand) && operand.length > 0 && operand.every(isNonNegativeNumber))) this.fail(`${path}.value`, `must be a non-empty array of numbers for ${op}`);
      } else if (!isNonNegativeNumber(operand)) {
        this.fail(`${path}.value`, 'must be a non-negative number');
      }
      return;
    }
    if (field === 'gender' || field === 'country' || field === 'city') {
      if (!TEXT_OPS.includes(op as TextOp)) return this.fail(`${path}.op`, `must be one of ${TEXT_OPS.join(', ')} for ${field}`);
      // A value the field cannot hold would match nobody (or, negated, everyone): refused as a typo.
      const check = this.profileValueCheck(field);
      if (op === 'in' || op === 'notIn') this.stringList(operand, `${path}.value`, check);
      else this.textValue(operand, `${path}.value`, check);
      return;
    }
    this.fail(`${path}.field`, 'must be one of age, gender, country, city');
  }
}

/**
 * Every problem of a rule, each naming its JSON path under `root`; empty when the rule is valid.
 * With a vocabulary, what the rule names is checked against the configuration too.
 */
export function validateSegmentRule(value: unknown, root = 'rule', vocabulary: RuleVocabulary = {}): RuleError[] {
  const checker = new RuleChecker(vocabulary);
  checker.rule(value, root, 1);
  return checker.errors;
}

export function isSegmentRule(value: unknown): value is SegmentRule {
  return validateSegmentRule(value).length === 0;
}

/**
 * True when the rule's outcome can change with no new event, only because time passes (a
 * "last N days" window, a relative date, an age): such segments need the periodic sweep.
 */
export function dependsOnTime(rule: SegmentRule): boolean {
  if ('all' in rule) return rule.all.some(dependsOnTime);
  if ('any' in rule) return rule.any.some(dependsOnTime);
  if ('not' in rule) return dependsOnTime(rule.not);
  if ('field' in rule) return rule.field === 'age';
  if ('purchases' in rule || 'calls' in rule) return true;
  if ('lastPurchase' in rule) return [rule.lastPurchase.before, rule.lastPurchase.after].some((bound) => typeof bound === 'object');
  // RFM recency is relative to now; the model's figures change as time passes without a purchase.
  if ('rfm' in rule || usesModel(rule)) return true;
  return false;
}

/**
 * The rule with `currency` filled in where a money comparison lacks one: rules stored before a
 * currency was required compared a sum over every currency; they are read in `currency` (the
 * reporting currency) instead, so no rule adds two currencies.
 */
export function withMoneyCurrency(rule: SegmentRule, currency: string): SegmentRule {
  if ('all' in rule) return { all: rule.all.map((child) => withMoneyCurrency(child, currency)) };
  if ('any' in rule) return { any: rule.any.map((child) => withMoneyCurrency(child, currency)) };
  if ('not' in rule) return { not: withMoneyCurrency(rule.not, currency) };
  if ('purchases' in rule && rule.purchases.sumMinor !== undefined && rule.purchases.currency === undefined) {
    return { purchases: { ...rule.purchases, currency } };
  }
  return rule;
}

/** Whether the rule needs the model's figures (P(alive), churn risk, predicted CLV: from the population snapshot). */
export function usesModel(rule: SegmentRule): boolean {
  if ('all' in rule) return rule.all.some(usesModel);
  if ('any' in rule) return rule.any.some(usesModel);
  if ('not' in rule) return usesModel(rule.not);
  return 'pAlive' in rule || 'churnRisk' in rule || 'predictedClv' in rule;
}

/** Whether the rule needs RFM scores (which are ranked against the whole population). */
export function usesRfm(rule: SegmentRule): boolean {
  if ('all' in rule) return rule.all.some(usesRfm);
  if ('any' in rule) return rule.any.some(usesRfm);
  if ('not' in rule) return usesRfm(rule.not);
  return 'rfm' in rule;
}
