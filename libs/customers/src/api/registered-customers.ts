// The query side's question "is this a customer?": every per-customer query answers 404 for a
// customer never registered instead of an empty page that looks like a customer with no history.
// The customer view's read model answers it; the composition root provides it (REGISTERED_CUSTOMERS).

export interface RegisteredCustomers {
  /**
   * Resolves when the read side knows the customer as registered; otherwise, when `minPosition` is
   * given, first waits (bounded, as every read does) for a registration up to that position to show,
   * so a client reading its own new customer is not told it does not exist. Throws a 404 otherwise.
   */
  assertRegistered(customerId: string, minPosition?: number): Promise<void>;
}

export const REGISTERED_CUSTOMERS = Symbol('RegisteredCustomers');

/** How the read side names customers in lists of other capabilities (a ticket queue, say). */
export interface CustomerNames {
  /** Display names by customer id; a customer without a name, or not known, is left out. */
  namesOf(customerIds: readonly string[]): Promise<Map<string, string>>;
}

export const CUSTOMER_NAMES = Symbol('CustomerNames');
