// End to end: a ticket that leaves the open state past its due times without an answer keeps its
// SLA breaches in every read model (ticket, 360, service analytics), closed or resolved alike.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedClock } from '@app/event-sourcing';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient } from '../support/api-client';
import { apiKeysSetting } from '../support/api-keys';

const KEYS = {
  ingest: 'test-ingest-key-0123456789',
  support: 'test-support-key-0123456789',
  analyst: 'test-analyst-key-0123456789',
};

describe('Ticket SLA breaches end to end', () => {
  let dataDir: string;
  let chronicle: RunningChronicle;
  let ingest: ApiClient;
  let support: ApiClient;
  let analyst: ApiClient;
  let head = 0;

  const send = async (client: ApiClient, path: string, body: unknown) => {
    const response = await client.post(path, body);
    expect([200, 201]).toContain(response.status);
    head = Math.max(head, response.body.position as number);
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-ticket-sla-e2e-'));
    chronicle = await startChronicle(
      { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', API_KEYS: apiKeysSetting(KEYS) },
      // Days after the tickets were opened: the closes and resolves below happen now.
      { clock: new FixedClock(new Date('2026-12-05T00:00:00Z')) },
    );
    ingest = new ApiClient(chronicle.url, KEYS.ingest);
    support = new ApiClient(chronicle.url, KEYS.support);
    analyst = new ApiClient(chronicle.url, KEYS.analyst);
    await send(ingest, '/v1/customers', { customerId: 'c-ada', profile: { firstName: 'Ada', lastName: 'Lovelace' }, occurredAt: '2026-11-01T00:00:00Z' });
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the breaches of an unanswered ticket closed (or resolved) after its due times, in the ticket, the 360 and the service analytics', async () => {
    const opened = { customerId: 'c-ada', subject: 'Ignored', channel: 'web', priority: 'normal', occurredAt: '2026-11-30T00:00:00Z' };
    await send(ingest, '/v1/tickets', { ...opened, ticketId: 't-old' });
    await send(ingest, '/v1/tickets', { ...opened, ticketId: 't-late' });
    const before = await support.get(`/v1/customers/c-ada?minPosition=${head}`);
    expect(before.body.overdueTickets.map((t: { ticketId: string }) => t.ticketId).sort()).toEqual(['t-late', 't-old']);

    await send(support, '/v1/tickets/t-old/close', {});
    await send(support, '/v1/tickets/t-late/resolve', { resolution: 'Finally' });

    const closed = await support.get(`/v1/tickets/t-old?minPosition=${head}`);
    expect(closed.body).toMatchObject({
      status: 'closed', firstResponseAt: null, slaSettledAt: '2026-12-05T00:00:00.000Z',
      breaches: { firstResponse: true, resolution: true }, firstResponseSla: 'breached', resolutionSla: 'breached',
    });
    const resolved = await support.get(`/v1/tickets/t-late?minPosition=${head}`);
    expect(resolved.body).toMatchObject({ breaches: { firstResponse: true, resolution: true }, firstResponseSla: 'breached', resolutionSla: 'breached' });

    const view = await support.get(`/v1/customers/c-ada?minPosition=${head}`);
    expect(view.body.tickets).toMatchObject({ open: 0, total: 2, resolved: 1, slaBreaches: 4, firstResponseBreaches: 2, resolutionBreaches: 2 });
    expect(view.body.overdueTickets).toEqual([]);

    const service = await analyst.get(`/v1/analytics/service?from=2026-11-30&to=2026-12-05&minPosition=${head}`);
    expect(service.body.totals.tickets).toMatchObject({
      opened: 2, resolved: 1, closedUnresolved: 1, firstResponseBreaches: 2, firstResponseBreachRate: 100, resolutionBreaches: 2, resolutionBreachRate: 100,
    });
  });
});
