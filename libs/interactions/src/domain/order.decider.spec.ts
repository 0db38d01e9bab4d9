import { DeciderSpecification, DomainError, DomainErrorCode, fold } from '@app/event-sourcing';
import type { WithCustomerStatus } from '@app/customers/domain/customer-status';
import type { CompletePurchase, OrderCommand, RefundPurchase } from './interaction.commands';
import type { OrderEvent, OrderLine } from './interaction.events';
import { formatMinor } from '@app/money';
import { MAX_ORDER_TOTAL_MINOR, orderDecider, orderTotalMinor, type OrderState } from './order.decider';

const spec = DeciderSpecification.for(orderDecider);

const lines: OrderLine[] = [
  { sku: 'TEA-1', name: 'Green tea', category: 'tea', quantity: 3, unitPriceMinor: 450 },
  { sku: 'MUG-2', name: 'Mug', category: 'kitchen', quantity: 1, unitPriceMinor: 1200 },
  { sku: 'GIFT', name: 'Sample', category: 'promo', quantity: 1, unitPriceMinor: 0 },
];
const completePurchase: WithCustomerStatus<CompletePurchase> = {
  type: 'CompletePurchase', customerStatus: 'active', customerId: 'c1', orderId: 'o1', channel: 'web', currency: 'EUR', lines,
};
const completed: OrderEvent = { type: 'PurchaseCompleted', data: { customerId: 'c1', orderId: 'o1', channel: 'web', currency: 'EUR', lines, totalMinor: 2550 } };

const refund = (refundId: string, amountMinor: number): WithCustomerStatus<RefundPurchase> => ({
  type: 'RefundPurchase', customerStatus: 'active', customerId: 'c1', orderId: 'o1', refundId, amountMinor, currency: 'EUR',
});
const refunded = (refundId: string, amountMinor: number): OrderEvent => ({
  type: 'PurchaseRefunded', data: { customerId: 'c1', orderId: 'o1', refundId, amountMinor, currency: 'EUR' },
});

function refusalOf(given: readonly OrderEvent[], command: WithCustomerStatus<OrderCommand>): DomainError {
  try {
    orderDecider.decide(command, fold(orderDecider, given));
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('Expected a refusal');
}

describe('order decider', () => {
  describe('CompletePurchase', () => {
    it('records a purchase with its computed total', () => {
      spec.given([]).when(completePurchase).then([completed]);
    });

    it('computes the total as the sum of quantity times unit price', () => {
      expect(orderTotalMinor([{ sku: 'a', name: 'a', category: 'x', quantity: 2, unitPriceMinor: 199 }, { sku: 'b', name: 'b', category: 'x', quantity: 5, unitPriceMinor: 1 }])).toBe(403);
    });

    it('refuses an unknown customer', () => {
      const command = { ...completePurchase, customerStatus: 'unknown' as const };
      spec.given([]).when(command).thenThrows(DomainErrorCode.NotFound, 'Customer c1 is not registered');
      expect(refusalOf([], command).field).toBe('customerId');
    });

    it('refuses recording the same order twice', () => {
      spec.given([completed]).when(completePurchase).thenThrows(DomainErrorCode.AlreadyExists, 'Order o1 is already recorded');
      expect(refusalOf([completed], completePurchase).field).toBe('orderId');
    });

    it('refuses a total beyond MAX_ORDER_TOTAL_MINOR, whatever each line is, so sums of totals stay exact', () => {
      const big = { sku: 'B', name: 'Big', category: 'big', quantity: 100_000, unitPriceMinor: 100_000_000_000 };
      spec.given([]).when({ ...completePurchase, lines: [big, big] }).thenThrows(DomainErrorCode.RuleViolated, `minor units (${formatMinor(2 * big.quantity * big.unitPriceMinor, 'EUR')}) exceeds the limit of ${MAX_ORDER_TOTAL_MINOR} minor units`);
      expect(refusalOf([], { ...completePurchase, lines: [big] }).field).toBe('lines');
      spec.given([]).when({ ...completePurchase, lines: [{ ...big, quantity: 1, unitPriceMinor: MAX_ORDER_TOTAL_MINOR }] })
        .then([{ type: 'PurchaseCompleted', data: { customerId: 'c1', orderId: 'o1', channel: 'web', currency: 'EUR', lines: [{ ...big, quantity: 1, unitPriceMinor: MAX_ORDER_TOTAL_MINOR }], totalMinor: MAX_ORDER_TOTAL_MINOR } }]);
    });

    it('refuses a purchase without lines', () => {
      const command = { ...completePurchase, lines: [] };
      spec.given([]).when(command).thenThrows(DomainErrorCode.RuleViolated, 'at least one line');
      expect(refusalOf([], command).field).toBe('lines');
    });

    it.each([0, -1, 1.5])('refuses a quantity of %p', (quantity) => {
      const command = { ...completePurchase, lines: [lines[0], { ...lines[1], quantity }] };
      spec.given([]).when(command).thenThrows(DomainErrorCode.RuleViolated, 'Line 2 (MUG-2): quantity');
      expect(refusalOf([], command).field).toBe('lines[1].quantity');
    });

    it.each(['eur', 'XYZ', 'XAU', ''])('refuses the currency %p, naming the field', (currency) => {
      const command = { ...completePurchase, currency };
      spec.given([]).when(command).thenThrows(DomainErrorCode.RuleViolated, 'currency');
      expect(refusalOf([], command).field).toBe('currency');
    });

    it('refuses an order whose total is beyond exact integer arithmetic', () => {
      const huge = { sku: 'GOLD', name: 'Bar', category: 'metal', quantity: 100_000, unitPriceMinor: 100_000_000_000 };
      const command = { ...completePurchase, lines: [huge, huge] };
      spec.given([]).when(command).thenThrows(DomainErrorCode.RuleViolated, 'exceeds');
      expect(refusalOf([], command).field).toBe('lines');
    });

    it.each([-1, 9.99])('refuses a unit price of %p', (unitPriceMinor) => {
      const command = { ...completePurchase, lines: [{ ...lines[0], unitPriceMinor }] };
      spec.given([]).when(command).thenThrows(DomainErrorCode.RuleViolated, 'Line 1 (TEA-1): unitPriceMinor');
      expect(refusalOf([], command).field).toBe('lines[0].unitPriceMinor');
    });
  });

  describe('RefundPurchase', () => {
    it('records a partial refund', () => {
      spec.given([completed]).when({ ...refund('r1', 450), reason: 'damaged' })
        .then([{ type: 'PurchaseRefunded', data: { customerId: 'c1', orderId: 'o1', refundId: 'r1', amountMinor: 450, currency: 'EUR', reason: 'damaged' } }]);
    });

    it('refunds up to exactly the remainder', () => {
      spec.given([completed, refunded('r1', 450)]).when(refund('r2', 2100)).then([refunded('r2', 2100)]);
    });

    it('records nothing for a repeat of the same refund', () => {
      spec.given([completed, refunded('r1', 450)]).when(refund('r1', 450)).then([]);
    });

    it('treats a repeat of a refund that used up the order as a repeat, not an excess', () => {
      spec.given([completed, refunded('r1', 2550)]).when(refund('r1', 2550)).then([]);
    });

    it('refuses the same refundId with a different amount', () => {
      const command = refund('r1', 500);
      spec.given([completed, refunded('r1', 450)]).when(command).thenThrows(DomainErrorCode.AlreadyExists, 'Refund r1 of order o1 was already recorded for 4.50 EUR (amountMinor 450)');
      expect(refusalOf([completed, refunded('r1', 450)], command).field).toBe('refundId');
    });

    it('refuses refunding beyond the purchase total and names the remainder', () => {
      const given = [completed, refunded('r1', 2000)];
      const command = refund('r2', 600);
      spec.given(given).when(command).thenThrows(DomainErrorCode.RuleViolated, 'refundable remainder of 5.50 EUR');
      expect(refusalOf(given, command)).toMatchObject({
        field: 'amountMinor',
        message: 'Refund of 6.00 EUR (amountMinor 600) exceeds the refundable remainder of 5.50 EUR (order total 25.50 EUR, already refunded 20.00 EUR)',
      });
    });

    it.each([
      ['JPY', 'Refund of 4001 JPY (amountMinor 4001) exceeds the refundable remainder of 4000 JPY (order total 4000 JPY, already refunded 0 JPY)'],
      ['BHD', 'Refund of 4.001 BHD (amountMinor 4001) exceeds the refundable remainder of 4.000 BHD (order total 4.000 BHD, already refunded 0.000 BHD)'],
    ])('states amounts in %s with its own exponent', (currency, message) => {
      const order: OrderEvent = { type: 'PurchaseCompleted', data: { customerId: 'c1', orderId: 'o1', channel: 'web', currency, lines: [{ ...lines[0], quantity: 1, unitPriceMinor: 4000 }], totalMinor: 4000 } };
      expect(refusalOf([order], { ...refund('r1', 4001), currency })).toMatchObject({ field: 'amountMinor', message });
    });

    it('refuses any refund of a fully refunded order', () => {
      spec.given([completed, refunded('r1', 2550)]).when(refund('r2', 1)).thenThrows(DomainErrorCode.RuleViolated, 'refundable remainder of 0.00 EUR');
    });

    it.each([0, -5, 10.5])('refuses an amount of %p', (amountMinor) => {
      const command = refund('r1', amountMinor);
      spec.given([completed]).when(command).thenThrows(DomainErrorCode.RuleViolated, 'above 0');
      expect(refusalOf([completed], command).field).toBe('amountMinor');
    });

    it('refuses a refund of an order never completed', () => {
      const command = refund('r1', 100);
      spec.given([]).when(command).thenThrows(DomainErrorCode.NotFound, 'Order o1 was never completed');
      expect(refusalOf([], command).field).toBe('orderId');
    });

    it("refuses a refund of another customer's order", () => {
      const command = { ...refund('r1', 100), customerId: 'c2' };
      spec.given([completed]).when(command).thenThrows(DomainErrorCode.RuleViolated, 'belongs to another customer');
      expect(refusalOf([completed], command).field).toBe('customerId');
    });

    it('refuses a refund in another currency', () => {
      const command = { ...refund('r1', 100), currency: 'USD' };
      spec.given([completed]).when(command).thenThrows(DomainErrorCode.RuleViolated, "paid in EUR; a refund is in the purchase's currency, not USD");
      expect(refusalOf([completed], command).field).toBe('currency');
    });

    it.each(['eur', 'XYZ', 'XAU'])('refuses a refund in %p, which is not an upper-case ISO 4217 code with a minor unit', (currency) => {
      const command = { ...refund('r1', 100), currency };
      spec.given([completed]).when(command).thenThrows(DomainErrorCode.RuleViolated, 'currency');
      expect(refusalOf([completed], command).field).toBe('currency');
    });

    // Purchases recorded before codes were validated.
    it('refunds a legacy purchase stored as `eur` in EUR', () => {
      const legacy: OrderEvent = { type: 'PurchaseCompleted', data: { ...completed.data as Extract<OrderEvent, { type: 'PurchaseCompleted' }>['data'], currency: 'eur' } };
      spec.given([legacy]).when(refund('r1', 100)).then([refunded('r1', 100)]);
    });

    it('refuses any refund of a legacy purchase in an unrecognised code, naming currency', () => {
      const legacy: OrderEvent = { type: 'PurchaseCompleted', data: { ...completed.data as Extract<OrderEvent, { type: 'PurchaseCompleted' }>['data'], currency: 'XYZ' } };
      const command = refund('r1', 100);
      spec.given([legacy]).when(command).thenThrows(DomainErrorCode.RuleViolated, 'paid in XYZ (not a recognised ISO 4217 code');
      expect(refusalOf([legacy], command).field).toBe('currency');
    });

    it('refuses an unknown customer', () => {
      const command = { ...refund('r1', 100), customerStatus: 'unknown' as const };
      spec.given([completed]).when(command).thenThrows(DomainErrorCode.NotFound, 'Customer c1 is not registered');
      expect(refusalOf([completed], command).field).toBe('customerId');
    });
  });

  describe('evolve', () => {
    it('starts with no order', () => {
      expect(orderDecider.initialState()).toStrictEqual({ status: 'none' });
    });

    it('folds a purchase and its refunds', () => {
      const expected: OrderState = {
        status: 'completed', customerId: 'c1', currency: 'EUR', totalMinor: 2550,
        refunds: { r1: 450, r2: 1200 }, refundedMinor: 1650,
      };
      expect(fold(orderDecider, [completed, refunded('r1', 450), refunded('r2', 1200)])).toStrictEqual(expected);
    });
  });
});
