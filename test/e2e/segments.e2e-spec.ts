// Segments end to end on the embedded default: customers and purchases over HTTP, a segment
// defined by an analyst, memberships recorded by the reactor and shown per customer, a rule
// change, time passing (the sweep with an injected clock) and archiving.
// Needs SegmentsModule wired into ChronicleModule and segmentsProjections into chronicleProjections.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedClock } from '@app/event-sourcing';
import { chronicleProjections, startChronicle, type RunningChronicle } from '@app/composition';
import { SegmentsBackground } from '@app/segments';
import { ApiClient } from '../support/api-client';
import { eventually } from '../support/eventually';
import { apiKeysSetting } from '../support/api-keys';

const KEYS = {
  ingest: 'test-ingest-key-0123456789',
  support: 'test-support-key-0123456789',
  analyst: 'test-analyst-key-0123456789',
};

describe('Segments end to end (embedded)', () => {
  const clock = new FixedClock(new Date('2026-11-20T12:00:00Z'));
  let dataDir: string;
  let chronicle: RunningChronicle;
  let ingest: ApiClient;
  let support: ApiClient;
  let analyst: ApiClient;

  beforeAll(async () => {
    if (!chronicleProjections('EUR').some((projection) => projection.name === 'segments')) {
      throw new Error(
        'Segments are not wired into the composition yet: add ...segmentsProjections to chronicleProjections (libs/composition/src/read-models.ts) ' +
          "and SegmentsModule.forRoot({ env, commands: parts.has('commands'), queries: parts.has('queries') }) beside LoyaltyModule in ChronicleModule",
      );
    }
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-segments-e2e-'));
    chronicle = await startChronicle(
      {
        DATA_DIR: dataDir,
        PORT: '0',
        LOG_LEVEL: 'warn',
        API_KEYS: apiKeysSetting(KEYS),
        SEGMENTS_SWEEP_INTERVAL_MS: '0',
        LOYALTY_SWEEP_INTERVAL_MS: '0',
      },
      { clock },
    );
    ingest = new ApiClient(chronicle.url, KEYS.ingest);
    support = new ApiClient(chronicle.url, KEYS.support);
    analyst = new ApiClient(chronicle.url, KEYS.analyst);
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const segmentsOf = async (customerId: string) => (await support.get(`/v1/customers/${customerId}/segments`)).body.segments.map((s: { segmentId: string }) => s.segmentId);

  it('records who enters and leaves a segment as customers act, rules change and time passes', async () => {
    const customers = [['c-thirty', '1992-05-05'], ['c-fifty', '1975-05-05'], ['c-quiet', '1990-01-01']];
    for (const [customerId, birthDate] of customers) {
      expect((await ingest.post('/v1/customers', { customerId, profile: { firstName: 'Sam', lastName: customerId, birthDate } })).status).toBe(201);
    }
    const purchase = (customerId: string, orderId: string, occurredAt: string) =>
      ingest.post('/v1/interactions/purchases', { customerId, orderId, channel: 'web', currency: 'EUR', occurredAt, lines: [{ sku: 'S', name: 'Scarf', category: 'apparel', quantity: 1, unitPriceMinor: 40_00 }] });
    let position = 0;
    for (const [i, day] of ['2026-09-01', '2026-10-01', '2026-11-01'].entries()) {
      expect((await purchase('c-thirty', `t-${i}`, `${day}T10:00:00Z`)).status).toBe(201);
      const answer = await purchase('c-fifty', `f-${i}`, `${day}T10:00:00Z`);
      expect(answer.status).toBe(201);
      position = answer.body.position;
    }
    // A preview reads the read models as they are (it takes no minPosition): wait until they hold
    // every purchase (the projector runs in its own thread, after the command was answered).
    const caughtUp = await support.get(`/v1/customers/c-fifty?minPosition=${position}`);
    expect(caughtUp.headers['x-chronicle-consistent']).toBe('true');

    const invalid = await analyst.post('/v1/segments', { name: 'Bad', rule: { all: [{ field: 'age', op: 'between', value: [30, 39] }, { purchases: { count: { gte: 3 }, withinDays: -1 } }] } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors).toEqual([expect.objectContaining({ field: 'rule.all[1].purchases.withinDays' })]);

    const preview = await analyst.post('/v1/segments/preview', { rule: { all: [{ field: 'age', op: 'between', value: [30, 39] }, { purchases: { count: { gte: 3 }, withinDays: 183 } }] } });
    expect(preview.body).toEqual({ count: 1, sample: ['c-thirty'] });

    const defined = await analyst.post('/v1/segments', { segmentId: 'thirties-frequent', name: 'Thirties, frequent', rule: { all: [{ field: 'age', op: 'between', value: [30, 39] }, { purchases: { count: { gte: 3 }, withinDays: 183 } }] } });
    expect(defined.status).toBe(201);
    // The segment says when everyone was evaluated; the members read at that position are complete
    // (found from outside: a member list read while the evaluation ran looked complete, and /members took no minPosition).
    const evaluation = await eventually(async () => {
      const segment = (await analyst.get(`/v1/segments/thirties-frequent?minPosition=${defined.body.position}`)).body;
      expect(segment.evaluation).toEqual({ state: 'done', completedAt: expect.any(String), position: expect.any(Number) });
      return segment.evaluation as { position: number };
    }, 30_000);
    const members = await analyst.get(`/v1/segments/thirties-frequent/members?minPosition=${evaluation.position}`);
    expect({ consistent: members.headers['x-chronicle-consistent'], members: members.body.items.map((m: { customerId: string }) => m.customerId) }).toEqual({ consistent: 'true', members: ['c-thirty'] });
    await eventually(async () => expect(await segmentsOf('c-thirty')).toEqual(['thirties-frequent']));
    expect(await segmentsOf('c-fifty')).toEqual([]);

    // New activity: the quiet customer buys three times and enters through the reactor.
    for (const [i, day] of ['2026-11-10', '2026-11-11', '2026-11-12'].entries()) expect((await purchase('c-quiet', `q-${i}`, `${day}T10:00:00Z`)).status).toBe(201);
    await eventually(async () => expect(await segmentsOf('c-quiet')).toEqual(['thirties-frequent']));

    // A rule change re-evaluates everyone.
    expect((await analyst.raw('PUT', '/v1/segments/thirties-frequent/rule', JSON.stringify({ rule: { purchases: { count: { gte: 3 }, withinDays: 30 } } }), { 'Content-Type': 'application/json' })).status).toBe(200);
    await eventually(async () => {
      expect(await segmentsOf('c-thirty')).toEqual([]);
      expect(await segmentsOf('c-quiet')).toEqual(['thirties-frequent']);
    });

    // Time passes: on Dec 11 the earliest purchase is out of the window.
    clock.set(new Date('2026-12-11T11:00:00Z'));
    const sweep = await chronicle.app.get(SegmentsBackground).sweep?.sweep();
    expect(sweep).toMatchObject({ segments: 1, left: 1 });
    await eventually(async () => expect(await segmentsOf('c-quiet')).toEqual([]));

    const segment = await analyst.get('/v1/segments/thirties-frequent');
    expect(segment.body).toMatchObject({ memberCount: 0, status: 'active' });
    expect((await analyst.raw('DELETE', '/v1/segments/thirties-frequent', undefined)).status).toBe(200);
    await eventually(async () => expect((await analyst.get('/v1/segments/thirties-frequent')).body.status).toBe('archived'));
  });
});
