// What a customer's dated history says as of an observation date, and the model's inputs (issue 12:
// frequency counted every order, same-day ones included, and monetary was total spend; the model
// needs repeat purchase days, recency from first to last purchase, T and the mean repeat spend).
import { historyAsOf, type CustomerHistory } from './customer-history';

const order = (orderId: string, at: string, grossMinor: number, currency = 'EUR') => ({ orderId, at, currency, grossMinor });

const history: CustomerHistory = {
  orders: [
    // Three orders on 1 March (one of them in USD), one on 8 March, one on 1 April.
    order('o-1', '2024-03-01T09:00:00.000Z', 2000),
    order('o-2', '2024-03-01T18:00:00.000Z', 1000),
    order('o-3', '2024-03-01T20:00:00.000Z', 5000, 'USD'),
    order('o-4', '2024-03-08T10:00:00.000Z', 4000),
    order('o-5', '2024-04-01T10:00:00.000Z', 3000),
  ],
  // Half of o-4 refunded on 10 March; all of o-5 on 2 April.
  refunds: [
    { refundId: 'r-1', orderId: 'o-4', at: '2024-03-10T00:00:00.000Z', currency: 'EUR', amountMinor: 2000 },
    { refundId: 'r-2', orderId: 'o-5', at: '2024-04-02T00:00:00.000Z', currency: 'EUR', amountMinor: 3000 },
  ],
  nps: [{ at: '2024-03-02T00:00:00.000Z', score: 10 }, { at: '2024-03-20T00:00:00.000Z', score: 3 }],
  tickets: [{ ticketId: 'T-1', changes: [{ at: '2024-03-05T00:00:00.000Z', status: 'open' }, { at: '2024-03-15T00:00:00.000Z', status: 'resolved' }] }],
};

describe('a customer history as of a date', () => {
  it('counts only what happened by then', () => {
    const early = historyAsOf(history, new Date('2024-03-06T00:00:00Z'), 'EUR');
    expect(early).toMatchObject({
      orders: 3,
      firstPurchaseAt: '2024-03-01T09:00:00.000Z',
      lastPurchaseAt: '2024-03-01T20:00:00.000Z',
      npsLast: 10, npsLastBand: 'promoter', openTickets: 1,
      money: { EUR: { orders: 2, grossMinor: 3000, refundedMinor: 0, netMinor: 3000 }, USD: { orders: 1, grossMinor: 5000, exponent: 2 } },
    });
    // The refund of 10 March is not known on 9 March, and is on 11 March.
    expect(historyAsOf(history, new Date('2024-03-09T23:59:59Z'), 'EUR').money['EUR']?.netMinor).toBe(7000);
    expect(historyAsOf(history, new Date('2024-03-11T00:00:00Z'), 'EUR').money['EUR']?.netMinor).toBe(5000);
    expect(historyAsOf(history, new Date('2024-03-16T00:00:00Z'), 'EUR')).toMatchObject({ openTickets: 0, npsLast: 10 });
    expect(historyAsOf(history, new Date('2024-02-01T00:00:00Z'), 'EUR')).toMatchObject({ orders: 0, model: null, firstPurchaseAt: null, openTickets: 0, npsLast: null });
  });

  it('gives the model purchase days, not orders; recency from the first to the last purchase; T; the mean repeat spend', () => {
    const inputs = historyAsOf(history, new Date('2024-03-20T12:00:00Z'), 'EUR').model;
    // Purchase days 1 and 8 March: one repeat day, 7 days after the first; T = 19 days (1 → 20 March).
    // Repeat spend: 8 March, 40.00 less the 20.00 refunded by then = 20.00.
    expect(inputs).toEqual({ repeatPurchaseDays: 1, recencyDays: 7, ageDays: 19, repeatSpendDays: 1, meanRepeatSpendMinor: 2000 });
    // On 2 April: 1 April is a purchase day (frequency), but its order was refunded in full: no spend day.
    expect(historyAsOf(history, new Date('2024-04-02T12:00:00Z'), 'EUR').model).toEqual({
      repeatPurchaseDays: 2, recencyDays: 31, ageDays: 32, repeatSpendDays: 1, meanRepeatSpendMinor: 2000,
    });
    // A day of orders only in another currency is a purchase day with no spend in the reporting one.
    expect(historyAsOf(history, new Date('2024-03-06T00:00:00Z'), 'USD').model).toEqual({
      repeatPurchaseDays: 0, recencyDays: 0, ageDays: 5, repeatSpendDays: 0, meanRepeatSpendMinor: null,
    });
  });
});
