import { ageAt, emptyCustomerFacts, matches, type CustomerFacts, type PurchaseFact } from './segment-rule.evaluator';
import type { SegmentRule } from './segment-rule';

const NOW = new Date('2026-06-30T12:00:00.000Z');
const DAY = 86_400_000;

function daysAgo(days: number): string {
  return new Date(NOW.getTime() - days * DAY).toISOString();
}

function purchase(days: number, netMinor: number, byCategory: Record<string, number> = {}, currency = 'EUR'): PurchaseFact {
  return { at: daysAgo(days), currency, netMinor, byCategory };
}

function facts(overrides: Partial<CustomerFacts>): CustomerFacts {
  const base = { ...emptyCustomerFacts('c-1'), ...overrides };
  const last = base.purchases.at(-1)?.at ?? null;
  return { ...base, lastPurchaseAt: overrides.lastPurchaseAt ?? last };
}

describe('ageAt', () => {
  it.each([
    ['1990-06-30', 36],
    ['1990-07-01', 35],
    ['1996-02-29', 30],
    [null, null],
  ])('born %s is %s on 2026-06-30', (birthDate, age) => {
    expect(ageAt(birthDate, NOW)).toBe(age);
  });
});

describe('matches', () => {
  const thirtiesBuyingOften: SegmentRule = {
    all: [{ field: 'age', op: 'between', value: [30, 39] }, { purchases: { count: { gte: 3 }, withinDays: 183 } }],
  };

  it.each<[string, Partial<CustomerFacts>, boolean]>([
    ['35, three purchases in 6 months', { birthDate: '1991-01-15', purchases: [purchase(170, 10_00), purchase(60, 20_00), purchase(2, 5_00)] }, true],
    ['35, the third purchase is older than 6 months', { birthDate: '1991-01-15', purchases: [purchase(200, 10_00), purchase(60, 20_00), purchase(2, 5_00)] }, false],
    ['41, three recent purchases', { birthDate: '1985-01-15', purchases: [purchase(10, 1), purchase(9, 1), purchase(8, 1)] }, false],
    ['30 today, three recent purchases', { birthDate: '1996-06-30', purchases: [purchase(10, 1), purchase(9, 1), purchase(8, 1)] }, true],
    ['no birth date', { purchases: [purchase(10, 1), purchase(9, 1), purchase(8, 1)] }, false],
  ])('customers in their 30s who bought 3+ times in the last 6 months: %s → %s', (_, given, expected) => {
    expect(matches(thirtiesBuyingOften, facts(given), NOW)).toBe(expected);
  });

  it.each<[SegmentRule, Partial<CustomerFacts>, boolean]>([
    [{ purchases: { sumMinor: { gte: 100_00 }, currency: 'EUR', withinDays: 30 } }, { purchases: [purchase(40, 90_00), purchase(20, 60_00), purchase(1, 50_00)] }, true],
    [{ purchases: { sumMinor: { gte: 100_00 }, currency: 'EUR', withinDays: 30 } }, { purchases: [purchase(40, 90_00), purchase(20, 60_00)] }, false],
    // Issue 11: 60.00 EUR and 50.00 USD are not 110.00 of anything.
    [{ purchases: { sumMinor: { gte: 100_00 }, currency: 'EUR', withinDays: 30 } }, { purchases: [purchase(20, 60_00), purchase(1, 50_00, {}, 'USD')] }, false],
    [{ purchases: { sumMinor: { gte: 50_00 }, currency: 'USD', withinDays: 30 } }, { purchases: [purchase(20, 60_00), purchase(1, 50_00, {}, 'USD')] }, true],
    [{ purchases: { count: { gte: 2 }, currency: 'USD', withinDays: 30 } }, { purchases: [purchase(20, 60_00), purchase(1, 50_00, {}, 'USD')] }, false],
    [{ purchases: { count: { gte: 2 }, withinDays: 30 } }, { purchases: [purchase(20, 60_00), purchase(1, 50_00, {}, 'USD')] }, true],
    [{ purchases: { sumMinor: { gte: 1 }, currency: 'EUR', withinDays: 30 } }, { purchases: [purchase(1, 50_00, {}, '?XYZ')] }, false],
    [{ purchases: { count: { gte: 1 }, sumMinor: { gte: 30_00 }, currency: 'EUR', withinDays: 30, category: 'shoes' } }, { purchases: [purchase(5, 80_00, { shirts: 50_00, shoes: 30_00 })] }, true],
    [{ purchases: { count: { gte: 1 }, sumMinor: { gte: 30_01 }, currency: 'EUR', withinDays: 30, category: 'shoes' } }, { purchases: [purchase(5, 80_00, { shirts: 50_00, shoes: 30_00 })] }, false],
    [{ purchases: { count: { gte: 1 }, withinDays: 30, category: 'hats' } }, { purchases: [purchase(5, 80_00, { shirts: 80_00 })] }, false],
    [{ purchases: { count: { lte: 0 }, withinDays: 30 } }, {}, true],
    [{ lastPurchase: { before: { daysAgo: 90 } } }, { purchases: [purchase(120, 1)] }, true],
    [{ lastPurchase: { before: { daysAgo: 90 } } }, { purchases: [purchase(120, 1), purchase(10, 1)] }, false],
    [{ lastPurchase: { before: { daysAgo: 90 } } }, {}, false],
    [{ lastPurchase: { after: '2026-06-01' } }, { purchases: [purchase(10, 1)] }, true],
    [{ lastPurchase: { after: '2026-06-01' } }, { purchases: [purchase(40, 1)] }, false],
    [{ calls: { count: { gte: 2 }, withinDays: 7 } }, { callTimes: [daysAgo(8), daysAgo(3), daysAgo(1)] }, true],
    [{ calls: { count: { gte: 2 }, withinDays: 7 } }, { callTimes: [daysAgo(8), daysAgo(9), daysAgo(1)] }, false],
    [{ ticketsOpen: { gte: 1, lte: 2 } }, { ticketsOpen: 2 }, true],
    [{ ticketsOpen: { gte: 1, lte: 2 } }, { ticketsOpen: 3 }, false],
    [{ emailsOpened: { gte: 5 } }, { emailsOpened: 4 }, false],
    [{ rfm: { r: { gte: 4 }, f: { gte: 4 } } }, { rfm: { r: 5, f: 4, m: 1 } }, true],
    [{ rfm: { r: { gte: 4 }, f: { gte: 4 } } }, { rfm: { r: 5, f: 3, m: 1 } }, false],
    [{ rfm: { m: { lte: 5 } } }, { rfm: null }, false],
    [{ pAlive: { lte: 0.3 } }, { model: { pAlive: 0.2, churnRisk: 90, predictedClvMinor: 100, currency: 'EUR' } }, true],
    [{ pAlive: { lte: 0.3 } }, { model: { pAlive: 0.31, churnRisk: 90, predictedClvMinor: 100, currency: 'EUR' } }, false],
    [{ pAlive: { lte: 1 } }, { model: null }, false],
    [{ churnRisk: { gte: 70 } }, { model: { pAlive: 0.2, churnRisk: 70, predictedClvMinor: 100, currency: 'EUR' } }, true],
    [{ predictedClv: { gte: 50000, currency: 'EUR' } }, { model: { pAlive: 0.9, churnRisk: 10, predictedClvMinor: 50000, currency: 'EUR' } }, true],
    [{ predictedClv: { gte: 50000, currency: 'EUR' } }, { model: { pAlive: 0.9, churnRisk: 10, predictedClvMinor: 49999, currency: 'EUR' } }, false],
    [{ predictedClv: { gte: 0, currency: 'USD' } }, { model: { pAlive: 0.9, churnRisk: 10, predictedClvMinor: 50000, currency: 'EUR' } }, false],
    [{ predictedClv: { gte: 0, currency: 'EUR' } }, { model: { pAlive: 0.9, churnRisk: 10, predictedClvMinor: null, currency: 'EUR' } }, false],
    [{ loyaltyTier: { in: ['gold', 'silver'] } }, { loyaltyTier: 'silver' }, true],
    [{ loyaltyTier: { in: ['gold', 'silver'] } }, { loyaltyTier: null }, false],
    [{ npsClass: { in: ['detractor'] } }, { npsClass: 'detractor' }, true],
    [{ npsClass: { in: ['detractor'] } }, { npsClass: 'promoter' }, false],
    [{ consent: { purpose: 'marketing_email', granted: true } }, { consents: { marketing_email: true } }, true],
    [{ consent: { purpose: 'marketing_email', granted: true } }, { consents: { marketing_email: false } }, false],
    [{ consent: { purpose: 'marketing_email', granted: false } }, { consents: {} }, true],
    [{ field: 'country', op: 'eq', value: 'de' }, { country: 'DE' }, true],
    [{ field: 'city', op: 'in', value: ['berlin', 'Hamburg'] }, { city: 'Berlin ' }, true],
    [{ field: 'city', op: 'ne', value: 'Berlin' }, { city: null }, true],
    // One Unicode form: precomposed in the rule, a combining accent in the profile, and the other way round.
    [{ field: 'city', op: 'eq', value: 'M\u00fcnchen' }, { city: 'Mu\u0308nchen' }, true],
    [{ field: 'city', op: 'in', value: ['MU\u0308NCHEN'] }, { city: 'M\u00fcnchen' }, true],
    [{ field: 'gender', op: 'eq', value: 'female' }, { gender: null }, false],
    [{ field: 'age', op: 'in', value: [20, 40] }, { birthDate: '1986-01-01' }, true],
    [{ field: 'age', op: 'lt', value: 18 }, { birthDate: '2010-01-01' }, true],
    [{ not: { ticketsOpen: { gte: 1 } } }, { ticketsOpen: 0 }, true],
    [{ any: [{ ticketsOpen: { gte: 1 } }, { emailsOpened: { gte: 1 } }] }, { emailsOpened: 1 }, true],
    [{ any: [{ ticketsOpen: { gte: 1 } }, { emailsOpened: { gte: 1 } }] }, {}, false],
    [{ all: [{ ticketsOpen: { gte: 1 } }, { emailsOpened: { gte: 1 } }] }, { emailsOpened: 1 }, false],
  ])('%j over %j → %s', (rule, given, expected) => {
    expect(matches(rule, facts(given), NOW)).toBe(expected);
  });

  it('ignores purchases dated after now', () => {
    expect(matches({ purchases: { count: { gte: 1 }, withinDays: 30 } }, facts({ purchases: [purchase(-2, 1)] }), NOW)).toBe(false);
  });
});
