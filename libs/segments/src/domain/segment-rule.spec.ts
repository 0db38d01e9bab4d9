import { dependsOnTime, MAX_RULE_DEPTH, usesModel, usesRfm, validateSegmentRule, withMoneyCurrency, type SegmentRule } from './segment-rule';

function messages(rule: unknown): string[] {
  return validateSegmentRule(rule).map((error) => error.message);
}

describe('validateSegmentRule', () => {
  it('accepts every kind of condition', () => {
    const rule: SegmentRule = {
      all: [
        { field: 'age', op: 'between', value: [30, 39] },
        { field: 'gender', op: 'in', value: ['female', 'diverse'] },
        { field: 'country', op: 'eq', value: 'de' },
        { field: 'city', op: 'notIn', value: ['Berlin'] },
        { purchases: { count: { gte: 3 }, sumMinor: { lte: 100_00 }, currency: 'EUR', withinDays: 180, category: 'shoes' } },
        { purchases: { count: { gte: 1 }, currency: 'JPY', withinDays: 30 } },
        { lastPurchase: { before: { daysAgo: 30 }, after: '2026-01-01' } },
        { calls: { count: { gte: 1 }, withinDays: 7 } },
        { ticketsOpen: { gte: 1 } },
        { emailsOpened: { gte: 2 } },
        { rfm: { r: { gte: 4 }, m: { lte: 2 } } },
        { loyaltyTier: { in: ['gold'] } },
        { npsClass: { in: ['detractor'] } },
        { any: [{ not: { consent: { purpose: 'marketing_email', granted: true } } }] },
      ],
    };
    expect(validateSegmentRule(rule)).toEqual([]);
  });

  it('names the JSON path of a bad window', () => {
    expect(messages({ all: [{ ticketsOpen: { gte: 1 } }, { purchases: { count: { gte: 3 }, withinDays: 0 } }] })).toEqual([
      'rule.all[1].purchases.withinDays must be a positive integer',
    ]);
  });

  it('reports every problem, each with its path', () => {
    expect(validateSegmentRule({ any: [{ field: 'age', op: 'between', value: [40, 30] }, { field: 'shoeSize', op: 'eq', value: 42 }, { npsClass: { in: ['fan'] } }] })).toEqual([
      { path: 'rule.any[0].value', message: 'rule.any[0].value must be [min, max] with 0 ≤ min ≤ max for between' },
      { path: 'rule.any[1].field', message: 'rule.any[1].field must be one of age, gender, country, city' },
      { path: 'rule.any[2].npsClass.in[0]', message: 'rule.any[2].npsClass.in[0] must be one of promoter, passive, detractor' },
    ]);
  });

  it.each([
    [null, 'rule must be an object'],
    [{}, 'rule must have exactly one of'],
    [{ all: [] }, 'rule.all must be a non-empty array of rules'],
    [{ ticketsOpen: { gte: 1 }, emailsOpened: { gte: 1 } }, 'rule must have exactly one of'],
    [{ loyal: true }, 'rule has an unknown condition "loyal"'],
    [{ purchases: { withinDays: 30 } }, 'rule.purchases must give count, sumMinor or both'],
    [{ purchases: { sumMinor: { gte: 100 }, withinDays: 30 } }, 'rule.purchases.currency must be given with sumMinor'],
    [{ purchases: { sumMinor: { gte: 100 }, currency: 'eur', withinDays: 30 } }, 'rule.purchases.currency must be the upper-case ISO 4217 code: did you mean EUR?'],
    [{ purchases: { count: { gte: 1 }, currency: 'XYZ', withinDays: 30 } }, 'rule.purchases.currency "XYZ" is not an active ISO 4217 currency code'],
    [{ purchases: { count: { gte: 1 }, withinDays: 1.5 } }, 'rule.purchases.withinDays must be a positive integer'],
    [{ purchases: { sumMinor: { gte: -1 }, currency: 'EUR', withinDays: 30 } }, 'rule.purchases.sumMinor.gte must be a non-negative number'],
    [{ purchases: { sumMinor: { gte: 1.5 }, currency: 'EUR', withinDays: 30 } }, 'rule.purchases.sumMinor.gte must be a whole number of minor units (cents for EUR), at most 9007199254740991'],
    [{ purchases: { sumMinor: { lte: 2 ** 53 + 2 }, currency: 'EUR', withinDays: 30 } }, 'rule.purchases.sumMinor.lte must be a whole number of minor units (cents for EUR), at most 9007199254740991'],
    [{ purchases: { count: { gte: 1 }, withinDays: 30, colour: 'red' } }, 'rule.purchases.colour is not allowed here'],
    [{ purchases: { count: { gte: 5, lte: 1 }, withinDays: 30 } }, 'rule.purchases.count has gte greater than lte'],
    [{ lastPurchase: {} }, 'rule.lastPurchase must give before, after or both'],
    [{ lastPurchase: { before: 'yesterday' } }, 'rule.lastPurchase.before must be a UTC calendar day that exists (2026-03-01), an ISO-8601 date and time with its offset or Z, or {daysAgo: N}'],
    [{ lastPurchase: { after: { daysAgo: -1 } } }, 'rule.lastPurchase.after.daysAgo must be a non-negative integer'],
    [{ lastPurchase: { after: '2026-01-01T10:00:00' } }, 'rule.lastPurchase.after must be a UTC calendar day that exists (2026-03-01), an ISO-8601 date and time with its offset or Z, or {daysAgo: N}'],
    [{ lastPurchase: { after: '2026-01-01T1Z' } }, 'rule.lastPurchase.after must be a UTC calendar day that exists (2026-03-01), an ISO-8601 date and time with its offset or Z, or {daysAgo: N}'],
    // Date.parse rolls these over into the next month: they matched as 2 and 3 March, 1 May.
    [{ lastPurchase: { before: '2026-02-30' } }, 'rule.lastPurchase.before must be a UTC calendar day that exists (2026-03-01), an ISO-8601 date and time with its offset or Z, or {daysAgo: N}'],
    [{ lastPurchase: { before: '2026-02-31T00:00:00Z' } }, 'rule.lastPurchase.before must be a UTC calendar day that exists (2026-03-01), an ISO-8601 date and time with its offset or Z, or {daysAgo: N}'],
    [{ lastPurchase: { after: '2026-04-31' } }, 'rule.lastPurchase.after must be a UTC calendar day that exists (2026-03-01), an ISO-8601 date and time with its offset or Z, or {daysAgo: N}'],
    [{ lastPurchase: { after: '2026-03-01T24:00:00Z' } }, 'rule.lastPurchase.after must be a UTC calendar day that exists (2026-03-01), an ISO-8601 date and time with its offset or Z, or {daysAgo: N}'],
    [{ lastPurchase: { after: '2026-03-01', before: '2026-02-01' } }, 'rule.lastPurchase.after must be before lastPurchase.before'],
    [{ field: 'city', op: 'eq', value: 'Lon\u0000don' }, 'rule.value must be one line of text: control character U+0000 at position 4'],
    [{ field: 'city', op: 'in', value: ['Paris', 'Rome\u202E'] }, 'rule.value[1] must be one line of text: bidi control U+202E'],
    [{ purchases: { count: { gte: 1 }, withinDays: 30, category: 'shoes\n' } }, 'rule.purchases.category must be one line of text'],
    [{ calls: { count: {}, withinDays: 7 } }, 'rule.calls.count must give gte, lte or both'],
    [{ ticketsOpen: { gte: -1 } }, 'rule.ticketsOpen.gte must be a non-negative number'],
    [{ rfm: {} }, 'rule.rfm must give at least one of r, f, m'],
    [{ rfm: { r: { gte: 6 } } }, 'rule.rfm.r.gte must be between 1 and 5'],
    [{ pAlive: { lte: 1.5 } }, 'rule.pAlive.lte must be between 0 and 1'],
    [{ pAlive: {} }, 'rule.pAlive must give gte, lte or both'],
    [{ churnRisk: { gte: 101 } }, 'rule.churnRisk.gte must be between 0 and 100'],
    [{ predictedClv: { gte: 50000 } }, 'rule.predictedClv.currency'],
    [{ predictedClv: { currency: 'EUR' } }, 'rule.predictedClv must give gte, lte or both'],
    [{ predictedClv: { gte: 1, currency: 'EUR', horizon: 3 } }, 'rule.predictedClv.horizon is not allowed here'],
    [{ loyaltyTier: { in: [] } }, 'rule.loyaltyTier.in must be a non-empty array of strings'],
    [{ consent: { purpose: 'spam', granted: 'yes' } }, 'rule.consent.purpose must be one of'],
    [{ field: 'age', op: 'prefix', value: 3 }, 'rule.op must be one of eq, ne, gt, gte, lt, lte, between, in, notIn for age'],
    [{ field: 'gender', op: 'eq', value: 'robot' }, 'rule.value must be one of female, male, diverse, unspecified'],
    [{ not: { all: [{ not: 3 }] } }, 'rule.not.all[0].not must be an object'],
    // Found from outside: fractional counts and texts of any length were taken.
    [{ purchases: { count: { gte: 1.5 }, withinDays: 30 } }, 'rule.purchases.count.gte must be a whole number (a count)'],
    [{ calls: { count: { lte: 0.5 }, withinDays: 7 } }, 'rule.calls.count.lte must be a whole number (a count)'],
    [{ ticketsOpen: { gte: 2.5 } }, 'rule.ticketsOpen.gte must be a whole number (a count)'],
    [{ emailsOpened: { lte: 1e-3 } }, 'rule.emailsOpened.lte must be a whole number (a count)'],
    [{ field: 'city', op: 'eq', value: 'x'.repeat(201) }, 'rule.value must be at most 200 characters'],
    [{ loyaltyTier: { in: ['gold', 'x'.repeat(201)] } }, 'rule.loyaltyTier.in[1] must be at most 200 characters'],
    [{ purchases: { count: { gte: 1 }, withinDays: 30, category: 'c'.repeat(201) } }, 'rule.purchases.category must be at most 200 characters'],
  ])('refuses %j', (rule, message) => {
    const found = messages(rule);
    expect(found.some((m) => m.startsWith(message))).toBe(true);
  });

  it('reads a stored rule that names no currency for its money in the given (reporting) currency', () => {
    const stored = { all: [{ purchases: { sumMinor: { gte: 100 }, withinDays: 30 } }, { not: { purchases: { count: { gte: 1 }, withinDays: 7 } } }] } as SegmentRule;
    expect(withMoneyCurrency(stored, 'EUR')).toEqual({
      all: [{ purchases: { sumMinor: { gte: 100 }, withinDays: 30, currency: 'EUR' } }, { not: { purchases: { count: { gte: 1 }, withinDays: 7 } } }],
    });
    const explicit: SegmentRule = { purchases: { sumMinor: { gte: 100 }, currency: 'USD', withinDays: 30 } };
    expect(withMoneyCurrency(explicit, 'EUR')).toBe(explicit);
  });

  it('bounds nesting depth', () => {
    let rule: unknown = { ticketsOpen: { gte: 1 } };
    for (let i = 0; i < MAX_RULE_DEPTH + 1; i++) rule = { not: rule };
    expect(messages(rule).some((m) => m.includes(`nests deeper than ${MAX_RULE_DEPTH} levels`))).toBe(true);
  });

  it('uses a caller-chosen root for nested bodies', () => {
    expect(messages({ ticketsOpen: 3 })).toEqual(['rule.ticketsOpen must be an object']);
    expect(validateSegmentRule({ ticketsOpen: 3 }, 'body.rule')[0].path).toBe('body.rule.ticketsOpen');
  });
});

describe('dependsOnTime / usesRfm', () => {
  it.each<[SegmentRule, boolean]>([
    [{ ticketsOpen: { gte: 1 } }, false],
    [{ lastPurchase: { before: '2026-01-01' } }, false],
    [{ lastPurchase: { before: { daysAgo: 90 } } }, true],
    [{ not: { purchases: { count: { gte: 1 }, withinDays: 30 } } }, true],
    [{ any: [{ consent: { purpose: 'profiling', granted: true } }, { field: 'age', op: 'gte', value: 18 }] }, true],
    [{ all: [{ field: 'country', op: 'eq', value: 'DE' }] }, false],
  ])('%j depends on time: %s', (rule, expected) => {
    expect(dependsOnTime(rule)).toBe(expected);
  });

  it('accepts the model figures: P(alive) below x, predicted CLV above y, churn risk; they depend on time', () => {
    const rule = { all: [{ pAlive: { lte: 0.3 } }, { predictedClv: { gte: 50000, currency: 'EUR' } }, { churnRisk: { gte: 70 } }] };
    expect(validateSegmentRule(rule)).toEqual([]);
    expect(dependsOnTime(rule as SegmentRule)).toBe(true);
    expect(usesModel(rule as SegmentRule)).toBe(true);
    expect(usesModel({ not: { rfm: { r: { gte: 4 } } } })).toBe(false);
  });

  it('finds RFM conditions anywhere in the tree', () => {
    expect(usesRfm({ all: [{ ticketsOpen: { gte: 1 } }, { not: { rfm: { r: { gte: 4 } } } }] })).toBe(true);
    expect(usesRfm({ all: [{ ticketsOpen: { gte: 1 } }] })).toBe(false);
  });
});
