// The segments HTTP API on a real Nest app (platform module, API keys, problem filter) over the
// SQLite stores, with the projector fed by an EventReactor and the module's own segments reactor.
import type { INestApplication } from '@nestjs/common';
import { Global, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { FixedClock } from '@app/event-sourcing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACCESS_LOG, EVENT_STORE, SqliteAccessLog } from '@app/event-store';
import { READ_STORE } from '@app/read-store';
import { CommandExecutor, createHttpApp, loadConfig, PlatformModule, PROJECTION_PROGRESS, type ProjectionProgress } from '@app/platform';
import { REGISTERED_CUSTOMERS } from '@app/customers';
import { ReadModelRegisteredCustomers } from '@app/customer-view';
import type { CheckpointStore } from '@app/transport/kafka';
import { EventReactor } from '@app/transport';
import { SegmentsTestBed } from '../testing/segments-test-bed';
import { SegmentsBackground, SegmentsModule } from './segments.module';

const KEYS = { ingest: 'k-ingest-0123456789', support: 'k-support-0123456789', analyst: 'k-analyst-0123456789', admin: 'k-admin-0123456789' };

class MemoryCheckpoints implements CheckpointStore {
  private readonly positions = new Map<string, number>();
  async load(name: string): Promise<number | null> {
    return this.positions.get(name) ?? null;
  }
  async save(name: string, position: number): Promise<void> {
    this.positions.set(name, position);
  }
}

describe('segments HTTP API', () => {
  const clock = new FixedClock(new Date('2026-06-01T12:00:00Z'));
  let bed: SegmentsTestBed;
  let app: INestApplication;
  let projector: EventReactor;
  let background: SegmentsBackground;
  const as = (role: keyof typeof KEYS) => ({ Authorization: `Bearer ${KEYS[role]}` });

  /** Waits until the segments reactor handled everything written so far, and the projector applied its output. */
  async function settle(): Promise<void> {
    const head = await bed.events.headPosition();
    expect(await background.segmentsReactor?.waitForPosition(head, 5000)).toBe(true);
    expect(await projector.waitForPosition(await bed.events.headPosition(), 5000)).toBe(true);
  }

  let accessLog: SqliteAccessLog;
  let accessLogDir: string;

  beforeAll(async () => {
    bed = await new SegmentsTestBed(clock).start();
    projector = new EventReactor(bed.events, new MemoryCheckpoints(), (events) => bed.runner.applyBatch(events), { name: 'test-projector' });
    const progress: ProjectionProgress = { waitForPosition: (position: number, timeoutMs: number) => projector.waitForPosition(position, timeoutMs) };
    accessLogDir = mkdtempSync(join(tmpdir(), 'chronicle-api-spec-'));
    accessLog = new SqliteAccessLog(join(accessLogDir, 'access-log.sqlite'));
    const config = loadConfig({ API_KEYS: Object.entries(KEYS).map(([role, key]) => `${role}=${key}`).join(','), LOG_LEVEL: 'silent', READ_WAIT_TIMEOUT_MS: '5000' });

    @Global()
    @Module({
      providers: [
        { provide: EVENT_STORE, useValue: bed.events },
        // Every read of customer data is recorded before it is answered (the platform's access log).
        { provide: ACCESS_LOG, useValue: accessLog },
        { provide: READ_STORE, useValue: bed.reads },
        { provide: CommandExecutor, useValue: bed.executor },
        { provide: PROJECTION_PROGRESS, useValue: progress },
        { provide: REGISTERED_CUSTOMERS, useValue: new ReadModelRegisteredCustomers(bed.reads, 5000, progress) },
      ],
      exports: [EVENT_STORE, ACCESS_LOG, READ_STORE, CommandExecutor, PROJECTION_PROGRESS, REGISTERED_CUSTOMERS],
    })
    class StoresModule {}

    @Module({ imports: [PlatformModule.forRoot(config, { clock }), CqrsModule.forRoot(), StoresModule, SegmentsModule.forRoot({ env: { SEGMENTS_SWEEP_INTERVAL_MS: '0', SEGMENTS_PAGE_SIZE: '2' } })] })
    class RootModule {}

    app = await createHttpApp(RootModule, config);
    await app.init();
    // Fastify takes requests only once ready (listen() makes it so; supertest does not listen first).
    await (app.getHttpAdapter().getInstance() as FastifyInstance).ready();
    await projector.start();
    background = app.get(SegmentsBackground);
    for (const [id, birthDate] of [['c1', '1990-01-01'], ['c2', '1991-02-02'], ['c3', '1970-03-03'], ['c4', '1995-04-04']]) await bed.register(id, { birthDate }, '2026-01-01T00:00:00Z');
    for (const id of ['c1', 'c2', 'c3']) await bed.purchase(id, `${id}-o1`, '2026-05-20T00:00:00Z');
  });

  afterAll(async () => {
    await app?.close();
    await accessLog?.close();
    rmSync(accessLogDir, { recursive: true, force: true });
    await projector?.stop();
    await bed?.close();
  });

  it('refuses an invalid rule with 400 naming rule.<path>, and callers without the analyst role', async () => {
    const server = app.getHttpServer();
    const invalid = await request(server).post('/v1/segments').set(as('analyst')).send({ name: 'Bad', rule: { all: [{ field: 'age', op: 'gte', value: 30 }, { purchases: { count: { gte: 3 }, withinDays: 0 } }] } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors).toEqual([{ field: 'rule.all[1].purchases.withinDays', message: 'rule.all[1].purchases.withinDays must be a positive integer' }]);
    expect((await request(server).post('/v1/segments').set(as('analyst')).send({ name: 'No rule' })).status).toBe(400);
    expect((await request(server).post('/v1/segments').set(as('support')).send({ name: 'x', rule: { ticketsOpen: { gte: 1 } } })).status).toBe(403);
    const preview = await request(server).post('/v1/segments/preview').set(as('analyst')).send({ rule: { rfm: { r: { gte: 9 } } } });
    expect(preview.status).toBe(400);
    expect(preview.body.errors[0].field).toBe('rule.rfm.r.gte');
  });

  it('previews a rule without saving anything', async () => {
    const preview = await request(app.getHttpServer()).post('/v1/segments/preview').set(as('analyst')).send({ rule: { all: [{ field: 'age', op: 'between', value: [30, 39] }, { purchases: { count: { gte: 1 }, withinDays: 30 } }] } });
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({ count: 2, sample: ['c1', 'c2'] });
  });

  it('defines a segment (a retry is answered as the original), evaluates everyone, and serves members and customer segments', async () => {
    const server = app.getHttpServer();
    const body = { segmentId: 'recent', name: 'Recent buyers', description: 'Bought in the last 30 days', rule: { purchases: { count: { gte: 1 }, withinDays: 30 } } };
    const defined = await request(server).post('/v1/segments').set(as('analyst')).send(body);
    expect(defined.status).toBe(201);
    expect(defined.body).toMatchObject({ segmentId: 'recent', streamId: 'segment-recent', changed: true, replayed: false });
    const retry = await request(server).post('/v1/segments').set(as('admin')).send(body);
    expect(retry.body).toMatchObject({ replayed: true, eventIds: defined.body.eventIds });
    await settle();

    const segment = await request(server).get(`/v1/segments/recent?minPosition=${defined.body.position}`).set(as('support'));
    expect(segment.status).toBe(200);
    expect(segment.body).toMatchObject({ segmentId: 'recent', name: 'Recent buyers', status: 'active', timeBound: true, memberCount: 3 });
    const list = await request(server).get('/v1/segments').set(as('analyst'));
    expect(list.body.items.map((s: { segmentId: string; memberCount: number }) => [s.segmentId, s.memberCount])).toEqual([['recent', 3]]);

    const first = await request(server).get('/v1/segments/recent/members?limit=2').set(as('analyst'));
    expect(first.body.items.map((m: { customerId: string }) => m.customerId)).toEqual(['c1', 'c2']);
    const second = await request(server).get(`/v1/segments/recent/members?limit=2&cursor=${first.body.nextCursor}`).set(as('analyst'));
    expect(second.body).toMatchObject({ items: [{ customerId: 'c3' }], nextCursor: null });
    expect((await request(server).get('/v1/segments/recent/members?cursor=***').set(as('analyst'))).status).toBe(400);
    expect((await request(server).get('/v1/segments/nope').set(as('analyst'))).status).toBe(404);

    const mine = await request(server).get('/v1/customers/c1/segments').set(as('support'));
    expect(mine.body).toEqual({ customerId: 'c1', segments: [{ segmentId: 'recent', name: 'Recent buyers' }] });
    expect((await request(server).get('/v1/customers/nobody/segments').set(as('support'))).status).toBe(404);
  });

  it('follows new activity, rule changes, time passing and archiving', async () => {
    const server = app.getHttpServer();
    await bed.purchase('c4', 'c4-o1', '2026-05-31T00:00:00Z');
    await settle();
    expect((await request(server).get('/v1/customers/c4/segments').set(as('support'))).body.segments).toEqual([{ segmentId: 'recent', name: 'Recent buyers' }]);

    const changed = await request(server).put('/v1/segments/recent/rule').set(as('analyst')).send({ rule: { purchases: { count: { gte: 1 }, withinDays: 5 } } });
    expect(changed.status).toBe(200);
    await settle();
    expect((await request(server).get('/v1/segments/recent').set(as('analyst'))).body.memberCount).toBe(1);

    clock.set(new Date('2026-06-06T00:00:00Z'));
    expect(await background.sweep?.sweep()).toMatchObject({ segments: 1, left: 1 });
    await settle();
    expect((await request(server).get('/v1/segments/recent').set(as('analyst'))).body.memberCount).toBe(0);

    expect((await request(server).delete('/v1/segments/recent').set(as('support'))).status).toBe(403);
    const archived = await request(server).delete('/v1/segments/recent').set(as('analyst'));
    expect(archived.status).toBe(200);
    expect((await request(server).put('/v1/segments/recent/rule').set(as('analyst')).send({ rule: { ticketsOpen: { gte: 1 } } })).status).toBe(409);
    const history = (customerId: string) => bed.membershipEvents(customerId).then((events) => events.map((e) => `${e.type}:${(e.data as { reason: string }).reason}`));
    expect(await history('c4')).toEqual(['CustomerEnteredSegment:activity', 'CustomerLeftSegment:time-passed']);
    expect(await history('c1')).toEqual(['CustomerEnteredSegment:segment-defined', 'CustomerLeftSegment:rule-changed']);
    await settle();
    expect((await request(server).get('/v1/segments?status=archived').set(as('analyst'))).body.items).toMatchObject([{ segmentId: 'recent', status: 'archived', memberCount: 0 }]);
  });
});
