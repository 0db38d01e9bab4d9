// One customer's analytics against a population snapshot (fitted on seeded simulated buyers).
import { seededUniform, simulateCustomers } from '../testing/btyd-simulation';
import type { CustomerHistory, OrderFact } from './customer-history';
import { analyseCustomer, populationMemberOf, type AnalyticsSettings, type CustomerRecord } from './customer-analysis';
import { buildPopulationSnapshot, type PopulationMember } from './population-snapshot';
import { predictedClv } from './predictive-clv';

const ASOF = new Date('2024-07-01T00:00:00Z');
const DAY = 86_400_000;
const SETTINGS: AnalyticsSettings = { margin: 0.3, discountRate: 0.1, horizonMonths: 12, horizonDays: 90 };

function ordersOf(prefix: string, days: readonly number[], amount: number): OrderFact[] {
  return days.map((day, i) => ({ orderId: `${prefix}-${i}`, at: new Date(ASOF.getTime() - day * DAY).toISOString(), currency: 'EUR', grossMinor: amount }));
}

/** Registered three years before ASOF, so before any of their orders. */
const REGISTERED_AT = new Date(ASOF.getTime() - 3 * 365 * DAY).toISOString();

function record(customerId: string, orders: OrderFact[]): CustomerRecord & { registeredAt: string | null } {
  const history: CustomerHistory = { orders: [...orders].sort((a, b) => (a.at < b.at ? -1 : 1)), refunds: [], nps: [], tickets: [] };
  return { customerId, registeredAt: REGISTERED_AT, name: customerId, email: null, country: null, profilingConsent: true, history };
}

/** 3,000 simulated buyers turned into dated orders, and the snapshot of them as of ASOF. */
function population() {
  const uniform = seededUniform(5);
  const simulated = simulateCustomers(3000, { r: 0.5, alpha: 20, a: 0.8, b: 2.5 }, { p: 6, q: 4, v: 1500 }, { seed: 3, minDays: 30, maxDays: 700 });
  const members: PopulationMember[] = simulated.map((c, i) => {
    const days = [c.observedDays, ...c.repeatDays.map((t) => c.observedDays - t)];
    const orders = days.map((day, k) => ({ orderId: `s${i}-${k}`, at: new Date(ASOF.getTime() - day * DAY - uniform() * 1000).toISOString(), currency: 'EUR', grossMinor: Math.round(c.values[k]) }));
    return populationMemberOf(record(`s${i}`, orders), ASOF, 'EUR') as PopulationMember;
  });
  return buildPopulationSnapshot(members, { asOf: ASOF, computedAt: ASOF, currency: 'EUR' });
}

describe('customer analysis', () => {
  const snapshot = population();

  it('fits the population and says so', () => {
    expect(snapshot.buyers).toBe(3000);
    expect(snapshot.bgNbd?.diagnostics.converged).toBe(true);
    expect(snapshot.gammaGamma?.diagnostics.converged).toBe(true);
    expect(snapshot.notes).toEqual([]);
  });

  it('gives a burst buyer gone quiet no future value, and a steady buyer plenty (issue 12)', () => {
    // 56 orders in five weeks, a year ago: the highest spend of all, and no future.
    const burst = analyseCustomer(record('burst', ordersOf('b', Array.from({ length: 56 }, (_, i) => 400 - Math.floor((i * 35) / 56)), 5000)), snapshot, ASOF, SETTINGS, 'EUR');
    const steady = analyseCustomer(record('steady', ordersOf('s', [360, 300, 240, 180, 120, 60, 5], 5000)), snapshot, ASOF, SETTINGS, 'EUR');
    expect(burst.rfm).toMatchObject({ frequency: 56, monetaryMinor: 280_000, m: 5, f: 5 });
    expect(burst.model?.pAlive).toBeLessThan(0.001);
    expect(burst.clv?.valueMinor).toBeLessThan(100);
    expect(burst.churnRisk?.score).toBe(100);
    expect(steady.model?.pAlive).toBeGreaterThan(0.8);
    // About four purchase days expected in a year at 50.00, 30 % margin: 60.00.
    expect(steady.clv?.valueMinor).toBeGreaterThan(4000);
    expect(steady.churnRisk?.score).toBeLessThan(50);
  });

  it('exposes the model inputs beside the classic RFM values, which count every order and the total', () => {
    // Two orders on one day, one a week later.
    const view = analyseCustomer(record('c', [...ordersOf('a', [14, 14], 1000), ...ordersOf('b', [7], 3000)]), snapshot, ASOF, SETTINGS, 'EUR');
    expect(view.rfm).toMatchObject({ recencyDays: 7, frequency: 3, monetaryMinor: 5000 });
    expect(view.modelInputs).toEqual({ repeatPurchaseDays: 1, recencyDays: 7, ageDays: 14, repeatSpendDays: 1, meanRepeatSpendMinor: 3000 });
    expect(view.population).toEqual({ asOf: ASOF.toISOString(), computedAt: ASOF.toISOString(), buyers: 3000 });
  });

  it('counts only facts dated by the observation date', () => {
    const customer = record('c', ordersOf('o', [200, 100, 10], 1000));
    const earlier = new Date(ASOF.getTime() - 50 * DAY);
    const view = analyseCustomer(customer, snapshot, earlier, SETTINGS, 'EUR');
    expect(view).toMatchObject({ orders: 2, netRevenueMinor: 2000, asOf: earlier.toISOString(), rfm: { recencyDays: 50, frequency: 2 } });
    expect(view.modelInputs).toMatchObject({ repeatPurchaseDays: 1, recencyDays: 100, ageDays: 150 });
    const before = analyseCustomer(customer, snapshot, new Date(ASOF.getTime() - 300 * DAY), SETTINGS, 'EUR');
    expect(before).toMatchObject({ orders: 0, rfm: null, model: null, clv: null, churnRisk: null });
  });

  it('scores only a customer who consented to profiling, and leaves the others out of the population', () => {
    const orders = ordersOf('o', [300, 200, 100, 10], 2500);
    const consenting = analyseCustomer(record('c', orders), snapshot, ASOF, SETTINGS, 'EUR');
    expect(consenting.profilingConsent).toBe(true);
    expect(consenting.model?.pAlive).toBeGreaterThan(0);
    for (const decision of [null, false]) {
      const customer = { ...record('c', orders), profilingConsent: decision };
      const view = analyseCustomer(customer, snapshot, ASOF, SETTINGS, 'EUR');
      // The figures from events stay; every score is null.
      expect(view).toMatchObject({ profilingConsent: decision, orders: 4, netRevenueMinor: 10_000, modelInputs: consenting.modelInputs, rfm: null, model: null, clv: null, churnRisk: null });
      expect(populationMemberOf(customer, ASOF, 'EUR')).toBeNull();
    }
    expect(populationMemberOf(record('c', orders), ASOF, 'EUR')).not.toBeNull();
  });

  it('leaves a buyer out of the population of a date before their registration, or without one', () => {
    // Orders imported with their own dates, registered later: a buyer only from the registration on.
    const customer = { ...record('late', ordersOf('o', [300, 200, 100], 1000)), registeredAt: new Date(ASOF.getTime() - 150 * DAY).toISOString() };
    expect(populationMemberOf(customer, new Date(ASOF.getTime() - 151 * DAY), 'EUR')).toBeNull();
    expect(populationMemberOf(customer, new Date(ASOF.getTime() - 150 * DAY), 'EUR')).not.toBeNull();
    expect(populationMemberOf({ ...customer, registeredAt: null }, ASOF, 'EUR')).toBeNull();
  });

  it('raises churn risk as the last purchase recedes, all else equal', () => {
    const risks = [10, 60, 120, 240].map((ago) => analyseCustomer(record('c', ordersOf('o', [300, 290, ago], 1000)), snapshot, ASOF, SETTINGS, 'EUR').churnRisk?.probability as number);
    for (let i = 1; i < risks.length; i++) expect(risks[i]).toBeGreaterThan(risks[i - 1]);
  });

  it('discounts the predicted value: a zero rate adds up the expected spend, month by month', () => {
    const params = snapshot.bgNbd?.parameters as NonNullable<typeof snapshot.bgNbd>['parameters'];
    const customer = { x: 4, tx: 200, T: 250 };
    const undiscounted = predictedClv(params, customer, 1000, { margin: 1, discountRate: 0, horizonMonths: 12 });
    const discounted = predictedClv(params, customer, 1000, { margin: 1, discountRate: 0.1, horizonMonths: 12 });
    expect(undiscounted.valueMinor).toBe(Math.round(undiscounted.expectedPurchases * 1000));
    expect(discounted.valueMinor).toBeLessThan(undiscounted.valueMinor);
    expect(discounted.valueMinor).toBeGreaterThan(undiscounted.valueMinor / 1.1);
  });
});
