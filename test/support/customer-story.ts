// The embedded scenario's customer story, over real HTTP against any entry point (the all-in-one
// process, or the gateway in front of the split roles): a customer registers, calls, buys and has a
// ticket answered and resolved; the 360 view (read your writes), loyalty standing and the ticket show
// it. test/e2e/embedded.e2e-spec.ts and test/e2e/split-layout.e2e-spec.ts run the same steps.
import type { ApiClient } from './api-client';
import { eventually } from './eventually';

export interface ScenarioClients {
  readonly ingest: ApiClient;
  readonly support: ApiClient;
}

/** Runs the story for `customerId` (never registered before) and checks every answer; resolves with the last command's position. */
export async function customerStory({ ingest, support }: ScenarioClients, customerId: string): Promise<number> {
  const registered = await ingest.post('/v1/customers', {
    customerId,
    externalId: 'shop-1815',
    occurredAt: '2026-11-01T08:00:00Z',
    profile: { firstName: 'Ada', lastName: 'Lovelace', email: 'Ada@Example.com', phone: '+442071234567', country: 'gb', city: 'London' },
  });
  expect(registered.status).toBe(201);
  expect(registered.body).toMatchObject({ customerId, streamId: `customer-${customerId}`, revision: 0, replayed: false });

  const call = await support.post('/v1/interactions/calls', {
    customerId, callId: 'pbx-1', direction: 'inbound', durationSeconds: 312, outcome: 'resolved', agentId: 'agent-7', occurredAt: '2026-11-20T09:00:00Z',
  });
  expect(call.status).toBe(201);

  const purchase = await ingest.post('/v1/interactions/purchases', {
    customerId, orderId: 'o-1', channel: 'web', currency: 'EUR', occurredAt: '2026-11-20T10:00:00Z',
    lines: [
      { sku: 'SCARF', name: 'Merino scarf', category: 'accessories', quantity: 2, unitPriceMinor: 2995 },
      { sku: 'HAT', name: 'Wool hat', category: 'accessories', quantity: 1, unitPriceMinor: 1500 },
    ],
  });
  expect(purchase.status).toBe(201);

  const opened = await support.post('/v1/tickets', {
    customerId, ticketId: 't-1', subject: 'Scarf arrived damaged', channel: 'email', priority: 'high', occurredAt: '2026-11-20T11:00:00Z',
  });
  expect(opened.status).toBe(201);
  expect((await support.post('/v1/tickets/t-1/replies', { author: 'agent', authorId: 'agent-7', body: 'Sending a new one', occurredAt: '2026-11-20T11:30:00Z' })).status).toBe(201);
  const resolved = await support.post('/v1/tickets/t-1/resolve', { resolution: 'Replacement shipped', occurredAt: '2026-11-20T13:00:00Z' });
  expect(resolved.status).toBe(200);

  const view = await support.get(`/v1/customers/${customerId}?minPosition=${resolved.body.position}`);
  expect(view.status).toBe(200);
  expect(view.headers['x-chronicle-consistent']).toBe('true');
  expect(view.body).toMatchObject({
    customerId,
    externalId: 'shop-1815',
    displayName: 'Ada Lovelace',
    profile: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: '+442071234567', country: 'GB', city: 'London' },
    purchases: { count: 1, lastCurrency: 'EUR', byCurrency: { EUR: { currency: 'EUR', exponent: 2, count: 1, totalMinor: 7490, netMinor: 7490, averageOrderValueMinor: 7490 } } },
    calls: { count: 1, inbound: 1, outbound: 0, totalDurationSeconds: 312 },
    tickets: { open: 0, total: 1, resolved: 1, slaBreaches: 0, meanResolutionMinutes: 120 },
    interactions: 5,
  });
  expect(view.body.purchases.byCurrency.EUR.byCategory.accessories).toEqual({ count: 2, quantity: 3, totalMinor: 7490 });
  expect(view.body.recentTimeline.map((e: { type: string }) => e.type)).toEqual([
    'TicketResolved', 'TicketReplied', 'TicketOpened', 'PurchaseCompleted', 'CallLogged',
  ]);
  expect(view.body.lastPosition).toBeGreaterThanOrEqual(resolved.body.position);
  expect(view.body.emails.openedMessageIds).toBeUndefined();
  // Figures from the other capabilities' read models appear in the 360 view too.
  expect(view.body.segmentIds).toEqual([]);
  // CLV and churn risk profile the customer: without their profiling consent there are none.
  expect(view.body.value).toBeNull();
  const loyalty = await eventually(async () => {
    const v = await support.get(`/v1/customers/${customerId}`);
    expect(v.body.loyalty?.balance).toBeGreaterThan(0);
    return v.body.loyalty;
  });
  expect(loyalty.tier).toEqual(expect.any(String));

  const ticket = await support.get(`/v1/tickets/t-1?minPosition=${resolved.body.position}`);
  expect(ticket.body).toMatchObject({ status: 'resolved', firstResponseSla: 'met', resolutionSla: 'met', replyCount: 1 });
  return resolved.body.position as number;
}
