// One order (`order-<orderId>`): completed once, then refunded in parts, never beyond its total.
import { refuse, type Decider } from '@app/event-sourcing';
import { currencyCodeProblem, formatMinor, recordedCurrency } from '@app/money';
import { assertCustomerRegistered, type WithCustomerStatus } from '@app/customers/domain/customer-status';
import type { CompletePurchase, OrderCommand, RefundPurchase } from './interaction.commands';
import type { OrderEvent, OrderLine } from './interaction.events';

export type OrderState =
  | { readonly status: 'none' }
  | {
      readonly status: 'completed';
      readonly customerId: string;
      /** As read back from the purchase: an ISO code, or for a legacy unrecognised code its `?` key. */
      readonly currency: string;
      readonly totalMinor: number;
      /** Amount of each refund by its refundId, so a retried refund is recognised. */
      readonly refunds: Readonly<Record<string, number>>;
      readonly refundedMinor: number;
    };

type CompletedOrder = Extract<OrderState, { status: 'completed' }>;

/**
 * The largest order total, in minor units: a billion major units. Every sum a read model keeps
 * (a customer's lifetime spend, a day's revenue) then stays an exact integer for at least
 * Number.MAX_SAFE_INTEGER / MAX_ORDER_TOTAL_MINOR ≈ 90,000 orders of that size.
 */
export const MAX_ORDER_TOTAL_MINOR = 100_000_000_000;

export const orderDecider: Decider<WithCustomerStatus<OrderCommand>, OrderState, OrderEvent> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    assertCustomerRegistered(command);
    switch (command.type) {
      case 'CompletePurchase':
        return completePurchase(command, state);
      case 'RefundPurchase':
        return refundPurchase(command, state);
      default: {
        const unhandled: never = command;
        throw new Error(`Unhandled order command ${JSON.stringify(unhandled)}`);
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'PurchaseCompleted':
        return {
          status: 'completed',
          customerId: event.data.customerId,
          // A purchase stored before codes were validated may say `eur`: it is a EUR order all the same.
          currency: recordedCurrency(event.data.currency).key,
          totalMinor: event.data.totalMinor,
          refunds: {},
          refundedMinor: 0,
        };
      case 'PurchaseRefunded':
        if (state.status === 'none') return state;
        return {
          ...state,
          refunds: { ...state.refunds, [event.data.refundId]: event.data.amountMinor },
          refundedMinor: state.refundedMinor + event.data.amountMinor,
        };
      default: {
        // Compile-time exhaustiveness; at run time an event type this code does not know is ignored.
        const unknownEvent: never = event;
        void unknownEvent;
        return state;
      }
    }
  },
};

/** Sum of quantity × unit price over the lines, in minor units. */
export function orderTotalMinor(lines: readonly OrderLine[]): number {
  return lines.reduce((total, line) => total + line.quantity * line.unitPriceMinor, 0);
}

function completePurchase(command: CompletePurchase, state: OrderState): OrderEvent[] {
  if (state.status !== 'none') throw refuse.alreadyExists(`Order ${command.orderId} is already recorded`, 'orderId');
  assertCurrency(command.currency);
  if (command.lines.length === 0) throw refuse.rule('A purchase has at least one line', 'lines');
  command.lines.forEach(assertValidLine);
  const { customerId, orderId, channel, currency, lines } = command;
  const totalMinor = orderTotalMinor(lines);
  // Within MAX_ORDER_TOTAL_MINOR, so every sum of totals a read model keeps stays exact too.
  if (totalMinor > MAX_ORDER_TOTAL_MINOR) throw refuse.rule(`The order total of ${totalMinor} minor units (${formatMinor(totalMinor, currency)}) exceeds the limit of ${MAX_ORDER_TOTAL_MINOR} minor units`, 'lines');
  return [{ type: 'PurchaseCompleted', data: { customerId, orderId, channel, currency, lines, totalMinor } }];
}

/** The HTTP layer checks this first; the decider holds the rule for every other way a command arrives. */
function assertCurrency(currency: unknown): void {
  const problem = currencyCodeProblem(currency);
  if (problem !== null) throw refuse.rule(problem, 'currency');
}

function assertValidLine(line: OrderLine, index: number): void {
  if (!Number.isInteger(line.quantity) || line.quantity < 1) {
    throw refuse.rule(`Line ${index + 1} (${line.sku}): quantity must be a whole number, 1 or more`, `lines[${index}].quantity`);
  }
  if (!Number.isInteger(line.unitPriceMinor) || line.unitPriceMinor < 0) {
    throw refuse.rule(`Line ${index + 1} (${line.sku}): unitPriceMinor must be a whole number of minor units, 0 or more`, `lines[${index}].unitPriceMinor`);
  }
}

function refundPurchase(command: RefundPurchase, state: OrderState): OrderEvent[] {
  assertCurrency(command.currency);
  const order = refundableOrder(command, state);
  if (!Number.isInteger(command.amountMinor) || command.amountMinor <= 0) {
    throw refuse.rule('A refund is a whole number of minor units above 0', 'amountMinor');
  }
  const earlier = order.refunds[command.refundId];
  if (earlier !== undefined) {
    // The same refund again is a retry; the same refundId with another amount is a different refund.
    if (earlier === command.amountMinor) return [];
    throw refuse.alreadyExists(`Refund ${command.refundId} of order ${command.orderId} was already recorded for ${formatMinor(earlier, order.currency)} (amountMinor ${earlier})`, 'refundId');
  }
  const remainder = order.totalMinor - order.refundedMinor;
  if (command.amountMinor > remainder) {
    throw refuse.rule(
      // Amounts in major units with the currency's exponent (4000 EUR minor units is 40.00 EUR), and the
      // refund as the client sent it, so the figure can be matched to the request.
      `Refund of ${formatMinor(command.amountMinor, order.currency)} (amountMinor ${command.amountMinor}) exceeds the refundable remainder of ${formatMinor(remainder, order.currency)}`
        + ` (order total ${formatMinor(order.totalMinor, order.currency)}, already refunded ${formatMinor(order.refundedMinor, order.currency)})`,
      'amountMinor',
    );
  }
  const { customerId, orderId, refundId, amountMinor, currency, reason } = command;
  return [{ type: 'PurchaseRefunded', data: { customerId, orderId, refundId, amountMinor, currency, ...(reason !== undefined && { reason }) } }];
}

function refundableOrder(command: RefundPurchase, state: OrderState): CompletedOrder {
  if (state.status === 'none') throw refuse.notFound(`Order ${command.orderId} was never completed`, 'orderId');
  if (state.customerId !== command.customerId) throw refuse.rule(`Order ${command.orderId} belongs to another customer`, 'customerId');
  if (state.currency !== command.currency) {
    const legacy = state.currency.startsWith('?');
    const paid = legacy ? `${state.currency.slice(1)} (not a recognised ISO 4217 code, so no refund can match it)` : state.currency;
    throw refuse.rule(`Order ${command.orderId} was paid in ${paid}; a refund is in the purchase's currency, not ${command.currency}`, 'currency');
  }
  return state;
}
