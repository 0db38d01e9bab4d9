// The domain input rules of the API, end to end on the embedded default (issue 11): what a valid
// profile is, which customer every command and per-customer query must name, money that stays in the
// safe-integer range, text and time rules, externalId uniqueness, and the 400/404/409/422 split.
// Every refusal is checked to store nothing: the event store's head does not move.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@app/event-sourcing';
import type { CodecEventStore } from '@app/event-store';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { INSTANT_PATTERN } from '@app/platform';
import { ApiClient, type ApiResponse } from '../support/api-client';
import { eventually } from '../support/eventually';
import { openDecodingEventStore } from '../support/decoding-event-store';
import fc from 'fast-check';
import { operationsOf, resolve, type Json, type OpenApiDocument, type Operation, type Schema } from '../support/contract/openapi-model';
import { objectNodes, RequestArbitraries } from '../support/contract/request-arbitraries';
import { apiKeysSetting } from '../support/api-keys';

jest.setTimeout(120_000);

const KEYS = {
  ingest: 'rules-ingest-key-0123456789',
  support: 'rules-support-key-0123456789',
  analyst: 'rules-analyst-key-0123456789',
  admin: 'rules-admin-key-0123456789',
};

function env(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'error',
    API_KEYS: apiKeysSetting(KEYS),
    ...extra,
  };
}

/** A refusal: the status, a problem document, and the field named among its errors. */
function expectRefused(response: ApiResponse, status: number, field: string): void {
  expect({ status: response.status, type: response.headers['content-type'] }).toEqual({ status, type: expect.stringContaining('application/problem+json') });
  expect(response.body.errors?.map((error: { field: string }) => error.field)).toContain(field);
}

describe('Domain input rules over HTTP', () => {
  let dataDir: string;
  let chronicle: RunningChronicle;
  // The store as Chronicle's readers see it (personal values decrypted with the folder's key store).
  let events: CodecEventStore;
  let ingest: ApiClient;
  let support: ApiClient;
  let analyst: ApiClient;
  let admin: ApiClient;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-rules-'));
    chronicle = await startChronicle(env(dataDir));
    ingest = new ApiClient(chronicle.url, KEYS.ingest);
    support = new ApiClient(chronicle.url, KEYS.support);
    analyst = new ApiClient(chronicle.url, KEYS.analyst);
    admin = new ApiClient(chronicle.url, KEYS.admin);
    events = await openDecodingEventStore(dataDir);
    expect((await ingest.post('/v1/customers', { customerId: 'c-ok', profile: { firstName: 'Ada', lastName: 'Lovelace' }, occurredAt: '2026-01-01T00:00:00Z' })).status).toBe(201);
  });

  afterAll(async () => {
    await events?.close();
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /**
   * Runs `send` and checks that nothing a client caused was stored meanwhile (the loyalty reactor may
   * still be earning for an earlier purchase: its events are the system's).
   */
  async function storesNothing(send: () => Promise<ApiResponse>): Promise<ApiResponse> {
    const before = await events.headPosition();
    const response = await send();
    const appended = (await events.readAll({ after: before })).filter((event) => event.metadata.actor.type !== 'system').map((event) => `${event.type} on ${event.streamId}`);
    expect({ status: response.status, appended }).toEqual({ status: response.status, appended: [] });
    return response;
  }

  /** Registers a customer with the given profile, then reads its 360 view including that write. */
  async function registered(customerId: string, profile: Record<string, unknown>) {
    const response = await ingest.post('/v1/customers', { customerId, profile });
    expect(response.status).toBe(201);
    const view = await support.get(`/v1/customers/${customerId}?minPosition=${response.body.position}`);
    expect({ status: view.status, consistent: view.headers['x-chronicle-consistent'] }).toEqual({ status: 200, consistent: 'true' });
    return view.body;
  }

  describe('a valid profile: every field optional, null refused at registration, null clears in PATCH', () => {
    it.each([
      ['only a first name', 'c-first', { firstName: 'OnlyFirst' }, 'OnlyFirst'],
      ['only a last name', 'c-last', { lastName: 'OnlyLast' }, 'OnlyLast'],
      ['an empty profile', 'c-empty', {}, ''],
      ['only an email', 'c-email', { email: 'only@example.com' }, ''],
    ])('registers a customer with %s and every read model shows it', async (_name, customerId, profile, displayName) => {
      const view = await registered(customerId, profile);
      expect(view).toMatchObject({ customerId, displayName, profile: { firstName: (profile as { firstName?: string }).firstName ?? null, lastName: (profile as { lastName?: string }).lastName ?? null } });
      const timeline = await support.get(`/v1/customers/${customerId}/timeline?minPosition=${view.lastPosition}`);
      expect(timeline.status).toBe(200);
      expect(timeline.body.items.map((item: { type: string }) => item.type)).toEqual(['CustomerRegistered']);
      const analytics = await analyst.get(`/v1/customers/${customerId}/analytics?minPosition=${view.lastPosition}`);
      expect({ status: analytics.status, name: analytics.body.name }).toEqual({ status: 200, name: displayName });
    });

    it('finds a customer with only a last name by that name, and exports it', async () => {
      await eventually(async () => {
        const found = await support.get('/v1/customers?name=onlylast');
        expect(found.body.items.map((item: { customerId: string }) => item.customerId)).toEqual(['c-last']);
      });
      const csv = await analyst.get('/v1/analytics/customers.csv');
      expect(csv.status).toBe(200);
      expect(csv.body).toContain('c-last,OnlyLast,');
      expect(csv.body).toContain('c-empty,,');
    });

    it.each(['firstName', 'lastName', 'email', 'city'])('refuses %s: null at registration (400), storing nothing', async (field) => {
      const response = await storesNothing(() => ingest.post('/v1/customers', { customerId: `c-null-${field}`, profile: { lastName: 'X', [field]: null } }));
      expectRefused(response, 400, `profile.${field}`);
    });

    it('clears a field given as null in PATCH, names included, and ignores clearing what is not set', async () => {
      await registered('c-clear', { firstName: 'Grace', lastName: 'Hopper', city: 'Arlington' });
      const cleared = await support.patch('/v1/customers/c-clear', { changes: { firstName: null, city: null } });
      expect({ status: cleared.status, changed: cleared.body.changed }).toEqual({ status: 200, changed: true });
      const view = await support.get(`/v1/customers/c-clear?minPosition=${cleared.body.position}`);
      expect(view.body).toMatchObject({ displayName: 'Hopper', profile: { firstName: null, lastName: 'Hopper', city: null } });
      const again = await support.patch('/v1/customers/c-clear', { changes: { firstName: null, language: null } });
      expect({ status: again.status, changed: again.body.changed }).toEqual({ status: 200, changed: false });
    });

    it('refuses null in every other optional field of a command (400), storing nothing', async () => {
      expectRefused(await storesNothing(() => support.post('/v1/customers/c-ok/contact-points', { kind: 'email', value: 'a@b.co', label: null })), 400, 'label');
      expectRefused(await storesNothing(() => support.post('/v1/interactions/notes', { customerId: 'c-ok', noteId: 'n-null', text: 'x', authorId: 'a-1', occurredAt: null })), 400, 'occurredAt');
      expectRefused(await storesNothing(() => support.post('/v1/tickets', { customerId: 'c-ok', ticketId: 't-null', subject: 'S', channel: 'email', priority: 'low', sla: null })), 400, 'sla');
    });

    it('keeps projecting after events with absent or null optional fields that older versions stored', async () => {
      const old = (customerId: string, profile: Record<string, unknown>): NewEvent => ({
        eventId: randomUUID(),
        type: 'CustomerRegistered',
        data: { customerId, profile },
        metadata: { customerId, schemaVersion: 1, occurredAt: '2025-01-01T00:00:00.000Z', actor: { type: 'service', id: 'old' }, source: 'old', correlationId: randomUUID(), causationId: null },
      });
      await events.append('customer-c-old-1', [old('c-old-1', { firstName: null, lastName: null, email: null, country: null })], { expectedRevision: 'no_stream' });
      await events.append('customer-c-old-2', [old('c-old-2', {})], { expectedRevision: 'no_stream' });
      await events.append('note-n-old', [{ ...old('c-old-2', {}), type: 'NoteAdded', data: { customerId: 'c-old-2', noteId: 'n-old', text: 'x', authorId: 'a' } }], { expectedRevision: 'no_stream' });
      const view = await registered('c-after-old', { firstName: 'After' });
      expect(view.displayName).toBe('After');
      expect((await support.get('/v1/customers/c-old-1')).body).toMatchObject({ displayName: '', profile: { firstName: null, country: null } });
      expect((await support.get('/health/ready')).status).toBe(200);
    });
  });

  describe('a command naming an unknown customer is 404 and stores nothing', () => {
    const nobody = 'nobody-1';
    const routes: [string, () => Promise<ApiResponse>][] = [
      ['loyalty adjustment', () => admin.post(`/v1/customers/${nobody}/loyalty/adjustments`, { adjustmentId: 'adj-1', points: 100, reason: 'goodwill' })],
      ['loyalty redemption', () => support.post(`/v1/customers/${nobody}/loyalty/redemptions`, { redemptionId: 'rd-1', points: 10, reason: 'voucher' })],
      ['profile change', () => support.patch(`/v1/customers/${nobody}`, { changes: { city: 'Paris' } })],
      ['contact point', () => support.post(`/v1/customers/${nobody}/contact-points`, { kind: 'email', value: 'x@y.co' })],
      ['consent', () => support.post(`/v1/customers/${nobody}/consents`, { purpose: 'profiling', granted: true, via: 'web' })],
      ['call', () => ingest.post('/v1/interactions/calls', { customerId: nobody, callId: 'call-nobody', direction: 'inbound', durationSeconds: 1, outcome: 'resolved' })],
      ['email sent', () => ingest.post('/v1/interactions/emails/sent', { customerId: nobody, messageId: 'm-nobody', subject: 'Hi' })],
      ['email received', () => ingest.post('/v1/interactions/emails/received', { customerId: nobody, messageId: 'm-nobody-in', subject: 'Hi' })],
      ['email opened', () => ingest.post('/v1/interactions/emails/opened', { customerId: nobody, messageId: 'm-nobody' })],
      ['email clicked', () => ingest.post('/v1/interactions/emails/clicked', { customerId: nobody, messageId: 'm-nobody', url: 'https://x.example/' })],
      ['chat', () => ingest.post('/v1/interactions/chats', { customerId: nobody, chatId: 'chat-nobody', channel: 'web', messageCount: 1, durationSeconds: 1 })],
      ['purchase', () => ingest.post('/v1/interactions/purchases', { customerId: nobody, orderId: 'o-nobody', channel: 'web', currency: 'EUR', lines: [{ sku: 'S', name: 'N', category: 'c', quantity: 1, unitPriceMinor: 1 }] })],
      ['refund', () => ingest.post('/v1/interactions/refunds', { customerId: nobody, orderId: 'o-nobody', refundId: 'r-nobody', amountMinor: 1, currency: 'EUR' })],
      ['survey', () => ingest.post('/v1/interactions/surveys', { customerId: nobody, surveyId: 's-nobody', kind: 'nps', score: 9 })],
      ['note', () => ingest.post('/v1/interactions/notes', { customerId: nobody, noteId: 'n-nobody', text: 'x', authorId: 'a-1' })],
      ['ticket', () => support.post('/v1/tickets', { customerId: nobody, ticketId: 't-nobody', subject: 'S', channel: 'email', priority: 'low' })],
    ];
    it.each(routes)('%s', async (_name, send) => {
      expectRefused(await storesNothing(send), 404, 'customerId');
    });

    it('in a batch, per item', async () => {
      const response = await storesNothing(() => ingest.post('/v1/interactions/batch', { items: [{ type: 'note', customerId: nobody, noteId: 'n-nobody-b', text: 'x', authorId: 'a-1' }] }));
      expect(response.body.results[0]).toMatchObject({ status: 404, problem: { errors: [{ field: 'items[0].customerId' }] } });
    });
  });

  describe('a survey names a ticket that exists and is its customer\'s, or nothing is stored', () => {
    beforeAll(async () => {
      expect((await ingest.post('/v1/customers', { customerId: 'c-other', profile: { firstName: 'Grace', lastName: 'Hopper' }, occurredAt: '2026-01-01T00:00:00Z' })).status).toBe(201);
      expect((await support.post('/v1/tickets', { customerId: 'c-other', ticketId: 't-other', subject: 'S', channel: 'email', priority: 'low', occurredAt: '2026-01-02T00:00:00Z' })).status).toBe(201);
      expect((await support.post('/v1/tickets', { customerId: 'c-ok', ticketId: 't-mine', subject: 'S', channel: 'email', priority: 'low', occurredAt: '2026-01-02T00:00:00Z' })).status).toBe(201);
    });
    const survey = (surveyId: string, ticketId: string) => ({ customerId: 'c-ok', surveyId, kind: 'csat', score: 4, ticketId });

    it('404 naming ticketId for a ticket that does not exist; 422 for another customer\'s ticket (as a refund of another customer\'s order)', async () => {
      expectRefused(await storesNothing(() => ingest.post('/v1/interactions/surveys', survey('sv-x', 't-does-not-exist'))), 404, 'ticketId');
      expectRefused(await storesNothing(() => ingest.post('/v1/interactions/surveys', survey('sv-y', 't-other'))), 422, 'customerId');
      expect((await ingest.post('/v1/interactions/surveys', survey('sv-z', 't-mine'))).status).toBe(201);
    });

    it('the same in a batch, per item', async () => {
      const response = await storesNothing(() => ingest.post('/v1/interactions/batch', {
        items: [{ type: 'survey', ...survey('sv-bx', 't-does-not-exist') }, { type: 'survey', ...survey('sv-by', 't-other') }],
      }));
      expect(response.body.results).toMatchObject([
        { status: 404, problem: { errors: [{ field: 'items[0].ticketId' }] } },
        { status: 422, problem: { errors: [{ field: 'items[1].customerId' }] } },
      ]);
      const accepted = await ingest.post('/v1/interactions/batch', { items: [{ type: 'survey', ...survey('sv-bz', 't-mine') }] });
      expect(accepted.body.results[0].status).toBe(201);
    });
  });

  describe('a per-customer query about an unknown customer is 404', () => {
    it.each([
      '/v1/customers/nobody-2',
      '/v1/customers/nobody-2/timeline',
      '/v1/customers/nobody-2/tickets',
      '/v1/customers/nobody-2/segments',
      '/v1/customers/nobody-2/analytics',
      '/v1/customers/nobody-2/loyalty',
      '/v1/customers/nobody-2/loyalty/history',
      '/v1/customers/nobody-2/live',
    ])('%s', async (path) => {
      const response = await admin.get(path);
      expect({ status: response.status, type: response.headers['content-type'] }).toEqual({ status: 404, type: expect.stringContaining('application/problem+json') });
    });

    it('reads a customer registered a moment ago when asked with the position of its registration', async () => {
      const registration = await ingest.post('/v1/customers', { customerId: 'c-ryw', profile: { firstName: 'Read' } });
      for (const path of ['timeline', 'tickets', 'segments', 'analytics', 'loyalty/history']) {
        const response = await admin.get(`/v1/customers/c-ryw/${path}?minPosition=${registration.body.position}`);
        expect({ path, status: response.status }).toEqual({ path, status: 200 });
      }
    });
  });

  describe('money and points stay exact: no total beyond the safe-integer range', () => {
    const line = (quantity: number, unitPriceMinor: number) => ({ sku: 'BIG', name: 'Big', category: 'big', quantity, unitPriceMinor });

    it('refuses a purchase whose total leaves the order bound though every line field is within its own (400, lines)', async () => {
      for (const lines of [[line(100_000, 100_000_000_000), line(100_000, 100_000_000_000)], [line(100_000, 100_000_000_000)], [line(2, 60_000_000_000)]]) {
        const response = await storesNothing(() => ingest.post('/v1/interactions/purchases', { customerId: 'c-ok', orderId: `o-big-${lines.length}-${lines[0].quantity}`, channel: 'web', currency: 'EUR', lines }));
        expectRefused(response, 400, 'lines');
      }
    });

    it('accepts a purchase at the order bound and the loyalty reactor earns on it', async () => {
      const purchase = await ingest.post('/v1/interactions/purchases', { customerId: 'c-ok', orderId: 'o-at-bound', channel: 'web', currency: 'EUR', lines: [line(1, 100_000_000_000)] });
      expect(purchase.status).toBe(201);
      await eventually(async () => {
        const history = await support.get('/v1/customers/c-ok/loyalty/history');
        const earned = history.body.items.find((item: { type: string; data: { orderId?: string } }) => item.type === 'PointsEarned' && item.data.orderId === 'o-at-bound');
        // A billion major units at 1 point per unit, bronze ×1: exact, not skipped.
        expect(earned?.points).toBe(1_000_000_000);
      });
    });

    it('refuses a refund or an adjustment beyond its bound (400)', async () => {
      expectRefused(await storesNothing(() => ingest.post('/v1/interactions/refunds', { customerId: 'c-ok', orderId: 'o-at-bound', refundId: 'r-big', amountMinor: 2 ** 53, currency: 'EUR' })), 400, 'amountMinor');
      expectRefused(await storesNothing(() => admin.post('/v1/customers/c-ok/loyalty/adjustments', { adjustmentId: 'adj-big', points: 2 ** 53, reason: 'x' })), 400, 'points');
    });
  });

  describe('an order line is an object: anything else in its place is a 400 naming that line, not a line the domain cannot read (422)', () => {
    const line = { sku: 'S', name: 'N', category: 'c', quantity: 1, unitPriceMinor: 100 };
    const purchase = (orderId: string, lines: unknown[]) => ({ customerId: 'c-ok', orderId, channel: 'web', currency: 'EUR', lines });
    // Each item that is no object named by itself, once (class-validator blamed the whole list, and
    // said it again of the item in other words, or not at all for an item that is a list).
    const refusal = (field: string) => ({ field, message: `${field} must be an object` });

    it.each([
      ['an empty list', [[]], [0]],
      ['a list holding a valid line', [[line]], [0]],
      ['a number', [5], [0]],
      ['null', [null], [0]],
      ['a text', ['line'], [0]],
      ['a number after a valid line', [line, 5], [1]],
      ['two lists around a valid line', [[], line, [line]], [0, 2]],
    ])('refuses %s as a line (400 naming that line), storing nothing', async (_what, lines, indices) => {
      const response = await storesNothing(() => ingest.post('/v1/interactions/purchases', purchase('o-line-list', lines)));
      expectRefused(response, 400, `lines[${indices[0]}]`);
      expect(response.body.errors).toEqual(indices.map((index) => refusal(`lines[${index}]`)));
    });

    it('refuses the same as a batch item, naming items[i].lines[j], storing nothing', async () => {
      const response = await storesNothing(() => ingest.post('/v1/interactions/batch', {
        items: [{ type: 'purchase', ...purchase('o-line-list-b0', [[]]) }, { type: 'purchase', ...purchase('o-line-list-b1', [line, [line]]) }],
      }));
      expect(response.body.results).toMatchObject([
        { status: 400, problem: { errors: [refusal('items[0].lines[0]')] } },
        { status: 400, problem: { errors: [refusal('items[1].lines[1]')] } },
      ]);
    });

    it('says once that a nested object is no object (profile: 5 was refused twice in other words)', async () => {
      const response = await storesNothing(() => ingest.post('/v1/customers', { customerId: 'c-profile-number', profile: 5 }));
      expectRefused(response, 400, 'profile');
      expect(response.body.errors).toEqual([{ field: 'profile', message: 'profile must be an object' }]);
    });
  });

  describe('text: no control characters, bidi overrides or lone surrogates', () => {
    it.each([
      ['NUL', 'Ada\u0000'],
      ['BEL', 'A\u0007da'],
      ['a newline', 'Ada\nLovelace'],
      ['a tab', 'Ada\tLovelace'],
      ['a C1 control', 'Ada\u0085'],
      ['a right-to-left override', 'Ada\u202Egnp.exe'],
      ['a first-strong isolate', 'Ada\u2068'],
      ['a lone surrogate', 'Ada\uD800'],
      ['a line separator', 'Ada\u2028Lovelace'],
      ['a trailing newline (refused, not trimmed)', 'Ann\n'],
      ['a trailing vertical tab (refused, not trimmed)', 'Ann\u000b'],
      ['a leading tab (refused, not trimmed)', '\tAnn'],
    ])('refuses a name with %s (400 naming it)', async (_what, name) => {
      expectRefused(await storesNothing(() => ingest.post('/v1/customers', { customerId: 'c-bad-text', profile: { firstName: name } })), 400, 'profile.firstName');
    });

    // Found from outside: validator.js's email check throws on a lone surrogate (URIError), which
    // answered 500 before the field's text rule could name the character, and took a whole batch down.
    it('refuses a lone surrogate in a field another rule reads first (an email): 400 naming the field and the character, in a batch only that item', async () => {
      for (const [what, send, field] of [
        ['a registration', () => ingest.post('/v1/customers', { customerId: 'c-sur', profile: { email: '\uD800' } }), 'profile.email'],
        ['an address around it', () => ingest.post('/v1/customers', { customerId: 'c-sur', profile: { email: 'x\uD800@example.com' } }), 'profile.email'],
        ['a profile change', () => support.patch('/v1/customers/c-ok', { changes: { email: '\uDFFF' } }), 'changes.email'],
        ['an email contact point', () => support.post('/v1/customers/c-ok/contact-points', { kind: 'email', value: 'x\uD800@example.com' }), 'value'],
      ] as const) {
        const response = await storesNothing(send);
        expect({ what, status: response.status }).toEqual({ what, status: 400 });
        expectRefused(response, 400, field);
      }
      const named = await ingest.post('/v1/customers', { customerId: 'c-sur', profile: { email: 'x\uD800@example.com' } });
      expect(named.body.errors.map((error: { message: string }) => error.message).join(' | ')).toContain('unpaired surrogate U+D800 at position 2');
      const batch = await ingest.post('/v1/customers/batch', { items: [{ customerId: 'c-sur-ok', profile: { firstName: 'Ok' } }, { customerId: 'c-sur-bad', profile: { email: 'x\uD800@example.com' } }] });
      expect(batch.status).toBe(200);
      expect(batch.body.results.map((result: { status: number }) => result.status)).toEqual([201, 400]);
      expect(batch.body.results[1].problem.errors.map((error: { field: string }) => error.field)).toContain('items[1].profile.email');
      expect((await events.readStream('customer-c-sur-ok')).map((event) => event.type)).toEqual(['CustomerRegistered']);
      expect(await events.readStream('customer-c-sur-bad')).toEqual([]);
    });

    it('refuses a required text made only of characters that show nothing (a zero-width space, a word joiner, soft hyphens): 400 naming it', async () => {
      expectRefused(await storesNothing(() => support.post('/v1/tickets', { customerId: 'c-ok', ticketId: 't-invisible', subject: '\u200B', channel: 'email', priority: 'low' })), 400, 'subject');
      expectRefused(await storesNothing(() => support.post('/v1/interactions/notes', { customerId: 'c-ok', noteId: 'n-invisible', text: '\u2060\u00AD\n', authorId: 'a-1' })), 400, 'text');
    });

    it('refuses control characters in every single-line field: ids, subjects, labels, SKUs, reasons', async () => {
      expectRefused(await storesNothing(() => ingest.post('/v1/customers', { customerId: 'c-x1', externalId: 'shop\u0000-1', profile: {} })), 400, 'externalId');
      expectRefused(await storesNothing(() => ingest.post('/v1/interactions/emails/sent', { customerId: 'c-ok', messageId: 'm-ctl', subject: 'Hello\r\nBcc: x' })), 400, 'subject');
      expectRefused(await storesNothing(() => support.post('/v1/customers/c-ok/contact-points', { kind: 'address', value: '1 Road\u202E', label: 'home' })), 400, 'value');
      expectRefused(await storesNothing(() => support.post('/v1/customers/c-ok/contact-points', { kind: 'address', value: '1 Road', label: 'ho\u0007me' })), 400, 'label');
      expectRefused(await storesNothing(() => ingest.post('/v1/interactions/purchases', { customerId: 'c-ok', orderId: 'o-ctl', channel: 'web', currency: 'EUR', lines: [{ ...line(), sku: 'S\u0000' }] })), 400, 'lines[0].sku');
      expectRefused(await storesNothing(() => support.post('/v1/tickets', { customerId: 'c-ok', ticketId: 't-ctl', subject: 'Broken\u2067', channel: 'email', priority: 'low' })), 400, 'subject');
      expectRefused(await storesNothing(() => analyst.post('/v1/segments', { segmentId: 'seg-ctl', name: 'VIP\u0000', rule: { field: 'country', op: 'eq', value: 'GB' } })), 400, 'name');
      expectRefused(await storesNothing(() => admin.post('/v1/customers/c-ok/loyalty/adjustments', { adjustmentId: 'adj-ctl', points: 1, reason: 'a\nb' })), 400, 'reason');
      function line() {
        return { sku: 'S', name: 'N', category: 'c', quantity: 1, unitPriceMinor: 1 };
      }
    });

    it('trims only spaces around the trimmed fields of a customer: a control or line break at either end is a 400 naming the field', async () => {
      expectRefused(await storesNothing(() => ingest.post('/v1/customers', { customerId: 'c-edge', profile: { lastName: 'Lovelace\r\n' } })), 400, 'profile.lastName');
      expectRefused(await storesNothing(() => ingest.post('/v1/customers', { customerId: 'c-edge', profile: { city: '\u000cLondon' } })), 400, 'profile.city');
      expectRefused(await storesNothing(() => ingest.post('/v1/customers', { customerId: 'c-edge', profile: { email: 'ann@example.com\n' } })), 400, 'profile.email');
      expectRefused(await storesNothing(() => ingest.post('/v1/customers', { customerId: 'c-edge', profile: { phone: '+442071234567\n' } })), 400, 'profile.phone');
      expectRefused(await storesNothing(() => ingest.post('/v1/customers', { customerId: 'c-edge', profile: { country: 'GB\u000b' } })), 400, 'profile.country');
      expectRefused(await storesNothing(() => ingest.post('/v1/customers', { customerId: 'c-edge', externalId: 'shop-9\t', profile: {} })), 400, 'externalId');
      expectRefused(await storesNothing(() => support.patch('/v1/customers/c-ok', { changes: { firstName: 'Ann\n' } })), 400, 'changes.firstName');
      expectRefused(await storesNothing(() => support.post('/v1/customers/c-ok/contact-points', { kind: 'address', value: '1 Road\n', label: 'home' })), 400, 'value');
      expectRefused(await storesNothing(() => support.post('/v1/customers/c-ok/consents', { purpose: 'marketing_email', granted: true, via: 'web\n' })), 400, 'via');
      const spaced = await ingest.post('/v1/customers', { customerId: 'c-spaced', profile: { firstName: '\u00a0 Ann ', country: ' gb ' } });
      expect(spaced.status).toBe(201);
      const stored = (await events.readStream('customer-c-spaced')).find((event) => event.type === 'CustomerRegistered');
      expect(stored?.data).toMatchObject({ profile: { firstName: 'Ann', country: 'GB' } });
    });

    it('allows newlines and tabs in free text but no other control, normalising CRLF to LF', async () => {
      const note = await support.post('/v1/interactions/notes', { customerId: 'c-ok', noteId: 'n-multi', text: 'Line one\r\n\tLine two\nLine three', authorId: 'a-1' });
      expect(note.status).toBe(201);
      const [stored] = await events.readStream('note-n-multi');
      expect((stored.data as { text: string }).text).toBe('Line one\n\tLine two\nLine three');
      expectRefused(await storesNothing(() => support.post('/v1/interactions/notes', { customerId: 'c-ok', noteId: 'n-nul', text: 'a\u0000b', authorId: 'a-1' })), 400, 'text');
      expectRefused(await storesNothing(() => support.post('/v1/interactions/notes', { customerId: 'c-ok', noteId: 'n-rlo', text: 'a\u202Eb', authorId: 'a-1' })), 400, 'text');
      expectRefused(await storesNothing(() => support.post('/v1/interactions/notes', { customerId: 'c-ok', noteId: 'n-cr', text: 'a\rb', authorId: 'a-1' })), 400, 'text');
    });

    it('neutralises what is already stored in the CSV export, and defuses formulas', async () => {
      const old = (customerId: string, firstName: string, lastName: string): NewEvent => ({
        eventId: randomUUID(),
        type: 'CustomerRegistered',
        data: { customerId, profile: { firstName, lastName } },
        metadata: { customerId, schemaVersion: 1, occurredAt: '2025-01-01T00:00:00.000Z', actor: { type: 'service', id: 'old' }, source: 'old', correlationId: randomUUID(), causationId: null },
      });
      await events.append('customer-c-csv-1', [old('c-csv-1', 'Nul\u0000Bel\u0007', 'Line\r\nBreak\u202Eevil')], { expectedRevision: 'no_stream' });
      await events.append('customer-c-csv-2', [old('c-csv-2', '=HYPERLINK("http://x")', '')], { expectedRevision: 'no_stream' });
      await events.append('customer-c-csv-3', [old('c-csv-3', ' @SUM(1)', 'x')], { expectedRevision: 'no_stream' });
      const csv = await eventually(async () => {
        const response = await analyst.get('/v1/analytics/customers.csv');
        expect(response.body).toContain('c-csv-3');
        return response.body as string;
      });
      const rows = csv.split('\r\n');
      expect(csv).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/);
      expect(rows.find((row) => row.startsWith('c-csv-1,'))).toMatch(/^c-csv-1,Nul Bel  Line Breakevil,/);
      expect(rows.find((row) => row.startsWith('c-csv-2,'))).toMatch(/^c-csv-2,"'=HYPERLINK\(""http:\/\/x""\)",/);
      expect(rows.find((row) => row.startsWith('c-csv-3,'))).toMatch(/^c-csv-3,' @SUM\(1\) x,/);
    });
  });

  describe('time: business times carry a zone, birth dates are past, no event is dated before what it follows', () => {
    it.each([
      ['a registration', () => ingest.post('/v1/customers', { customerId: 'c-tz', profile: {}, occurredAt: '2026-01-01T10:00:00' }), 'occurredAt'],
      ['a date without time', () => ingest.post('/v1/interactions/notes', { customerId: 'c-ok', noteId: 'n-tz', text: 'x', authorId: 'a', occurredAt: '2026-01-01' }), 'occurredAt'],
      ['a ticket reply', () => support.post('/v1/tickets/t-any/replies', { author: 'agent', body: 'x', occurredAt: '2026-01-01T10:00:00.000' }), 'occurredAt'],
      ['a loyalty redemption', () => support.post('/v1/customers/c-ok/loyalty/redemptions', { redemptionId: 'rd-tz', points: 1, reason: 'x', occurredAt: '2026-01-01 10:00:00Z' }), 'occurredAt'],
    ])('refuses an occurredAt without offset or Z on %s (400)', async (_what, send, field) => {
      expectRefused(await storesNothing(send), 400, field);
    });

    it('refuses a local time in a batch item, naming the item', async () => {
      const response = await storesNothing(() => ingest.post('/v1/interactions/batch', { items: [{ type: 'note', customerId: 'c-ok', noteId: 'n-tz-b', text: 'x', authorId: 'a', occurredAt: '2026-01-01T10:00' }] }));
      expect(response.body.results[0]).toMatchObject({ status: 400, problem: { errors: [{ field: 'items[0].occurredAt' }] } });
    });

    it('accepts an offset and records the instant in UTC', async () => {
      const note = await support.post('/v1/interactions/notes', { customerId: 'c-ok', noteId: 'n-offset', text: 'x', authorId: 'a', occurredAt: '2026-01-01T10:00:00+02:00' });
      expect(note.status).toBe(201);
      expect((await events.readStream('note-n-offset'))[0].metadata.occurredAt).toBe('2026-01-01T08:00:00.000Z');
    });

    it('refuses a birth date in the future, at registration and in PATCH (400)', async () => {
      const future = `${new Date().getUTCFullYear() + 1}-01-01`;
      expectRefused(await storesNothing(() => ingest.post('/v1/customers', { customerId: 'c-unborn', profile: { birthDate: future } })), 400, 'profile.birthDate');
      expectRefused(await storesNothing(() => support.patch('/v1/customers/c-ok', { changes: { birthDate: future } })), 400, 'changes.birthDate');
      expectRefused(await storesNothing(() => support.patch('/v1/customers/c-ok', { changes: { birthDate: '1066-10-14' } })), 400, 'changes.birthDate');
    });

    it('refuses a ticket reply, assignment, resolution or closing dated before the ticket was opened (422)', async () => {
      expect((await support.post('/v1/tickets', { customerId: 'c-ok', ticketId: 't-time', subject: 'Late', channel: 'email', priority: 'high', occurredAt: '2026-03-01T12:00:00Z' })).status).toBe(201);
      for (const [path, body] of [
        ['replies', { author: 'agent', body: 'Early bird', occurredAt: '2026-03-01T11:00:00Z' }],
        ['assign', { agentId: 'agent-1', occurredAt: '2026-03-01T11:59:59Z' }],
        ['resolve', { resolution: 'Done', occurredAt: '2026-02-01T00:00:00Z' }],
        ['close', { occurredAt: '2026-02-01T00:00:00Z' }],
      ] as const) {
        expectRefused(await storesNothing(() => support.post(`/v1/tickets/t-time/${path}`, body)), 422, 'occurredAt');
      }
      const reply = await support.post('/v1/tickets/t-time/replies', { author: 'agent', body: 'On time', occurredAt: '2026-03-01T12:00:00Z' });
      expect(reply.status).toBe(201);
      const ticket = await support.get(`/v1/tickets/t-time?minPosition=${reply.body.position}`);
      expect(ticket.body).toMatchObject({ firstResponseAt: '2026-03-01T12:00:00.000Z', firstResponseSla: 'met' });
    });

    it('refuses an email opened before it was sent and a refund dated before its purchase (422)', async () => {
      expect((await ingest.post('/v1/interactions/emails/sent', { customerId: 'c-ok', messageId: 'm-time', subject: 'Hi', occurredAt: '2026-03-01T12:00:00Z' })).status).toBe(201);
      expectRefused(await storesNothing(() => ingest.post('/v1/interactions/emails/opened', { customerId: 'c-ok', messageId: 'm-time', occurredAt: '2026-03-01T11:00:00Z' })), 422, 'occurredAt');
      expect((await ingest.post('/v1/interactions/purchases', { customerId: 'c-ok', orderId: 'o-time', channel: 'web', currency: 'EUR', occurredAt: '2026-03-01T12:00:00Z', lines: [{ sku: 'S', name: 'N', category: 'c', quantity: 1, unitPriceMinor: 100 }] })).status).toBe(201);
      expectRefused(await storesNothing(() => ingest.post('/v1/interactions/refunds', { customerId: 'c-ok', orderId: 'o-time', refundId: 'r-time', amountMinor: 1, currency: 'EUR', occurredAt: '2026-02-28T12:00:00Z' })), 422, 'occurredAt');
    });

    // Found from outside: opens and clicks were taken on an email the customer sent us, and counted in
    // the 360 view's opens (the routes said "a sent email").
    it('refuses an open or a click of an email the customer sent us (422 naming messageId), single and in a batch', async () => {
      expect((await ingest.post('/v1/interactions/emails/received', { customerId: 'c-ok', messageId: 'm-from-customer', subject: 'Where is my parcel?' })).status).toBe(201);
      expectRefused(await storesNothing(() => ingest.post('/v1/interactions/emails/opened', { customerId: 'c-ok', messageId: 'm-from-customer' })), 422, 'messageId');
      expectRefused(await storesNothing(() => ingest.post('/v1/interactions/emails/clicked', { customerId: 'c-ok', messageId: 'm-from-customer', url: 'https://shop.example/' })), 422, 'messageId');
      const batch = await storesNothing(() => ingest.post('/v1/interactions/batch', { items: [{ type: 'email-opened', customerId: 'c-ok', messageId: 'm-from-customer' }] }));
      expect(batch.body.results).toMatchObject([{ status: 422, problem: { errors: [{ field: 'items[0].messageId' }] } }]);
    });

    it('refuses a profile change dated before the registration (422)', async () => {
      expectRefused(await storesNothing(() => support.patch('/v1/customers/c-ok', { changes: { city: 'Paris' }, occurredAt: '2025-12-31T23:59:59Z' })), 422, 'occurredAt');
    });

    // Found from outside: a client clock a few minutes fast dated a ticket's opening (or a customer's
    // registration) ahead of the server's clock, within the skew taken; every later command sent
    // without a time of its own was then refused as "before" it (422), on single routes and in batches.
    it('records a command sent without occurredAt at its stream\'s latest time when a fast client clock put that ahead, instead of refusing it', async () => {
      const ahead = new Date(Date.now() + 4 * 60_000).toISOString();
      expect((await support.post('/v1/tickets', { customerId: 'c-ok', ticketId: 't-ahead', subject: 'Fast clock', channel: 'web', priority: 'low', occurredAt: ahead })).status).toBe(201);
      const reply = await support.post('/v1/tickets/t-ahead/replies', { author: 'agent', body: 'No time sent' });
      expect(reply.status).toBe(201);
      expect((await events.readStream('ticket-t-ahead')).map((event) => [event.type, event.metadata.occurredAt])).toEqual([['TicketOpened', ahead], ['TicketReplied', ahead]]);
      // A time the client gives is still its own: before the opening, it is refused.
      expectRefused(await storesNothing(() => support.post('/v1/tickets/t-ahead/replies', { author: 'agent', body: 'Dated now', occurredAt: new Date().toISOString() })), 422, 'occurredAt');

      expect((await ingest.post('/v1/customers', { customerId: 'c-ahead', profile: { firstName: 'Fast' }, occurredAt: ahead })).status).toBe(201);
      expect((await support.patch('/v1/customers/c-ahead', { changes: { city: 'Paris' } })).status).toBe(200);

      const batch = await ingest.post('/v1/interactions/batch', {
        items: [
          { type: 'email-sent', customerId: 'c-ok', messageId: 'm-ahead', subject: 'Fast clock', occurredAt: ahead },
          { type: 'email-opened', customerId: 'c-ok', messageId: 'm-ahead' },
        ],
      });
      expect(batch.body.results.map((result: { status: number }) => result.status)).toEqual([201, 201]);
      const email = await events.readStream(batch.body.results[0].outcome.streamId);
      expect(email.map((event) => event.metadata.occurredAt)).toEqual([ahead, ahead]);
      // Later than five minutes ahead is the future: refused before anything is read.
      expectRefused(await storesNothing(() => support.post('/v1/tickets', { customerId: 'c-ok', ticketId: 't-future', subject: 'Future', channel: 'web', priority: 'low', occurredAt: new Date(Date.now() + 6 * 60_000).toISOString() })), 400, 'occurredAt');
    });

    it('refuses business times before 1970 on every command, alone and in a batch (found from outside: a ticket opened in the year 1 was shown overdue by 739,947 days)', async () => {
      for (const occurredAt of ['0001-01-01T00:00:00Z', '1969-12-31T23:59:59.999Z']) {
        expectRefused(await storesNothing(() => support.post('/v1/tickets', { customerId: 'c-ok', ticketId: 't-ancient', subject: 'Ancient', channel: 'web', priority: 'low', occurredAt })), 400, 'occurredAt');
        expectRefused(await storesNothing(() => ingest.post('/v1/customers', { customerId: 'c-ancient', profile: { firstName: 'Old' }, occurredAt })), 400, 'occurredAt');
        expectRefused(await storesNothing(() => support.post('/v1/customers/c-ok/loyalty/redemptions', { redemptionId: 'rd-ancient', points: 1, reason: 'x', occurredAt })), 400, 'occurredAt');
        const batch = await storesNothing(() => ingest.post('/v1/interactions/batch', { items: [{ type: 'note', customerId: 'c-ok', noteId: 'n-ancient', text: 'old', authorId: 'a', occurredAt }] }));
        expect(batch.body.results.map((result: { status: number; problem?: { errors?: { field: string }[] } }) => [result.status, result.problem?.errors?.map((e) => e.field)])).toEqual([[400, ['items[0].occurredAt']]]);
      }
      expect((await ingest.post('/v1/customers', { customerId: 'c-epoch', profile: { firstName: 'Epoch' }, occurredAt: '1970-01-01T00:00:00Z' })).status).toBe(201);
    });
  });

  describe('instants: every query parameter and body field that takes one wants a date and time with its offset that Date reads (400 naming it, never 500)', () => {
    /**
     * ISO-8601 forms class-validator's isISO8601 admits but Date cannot read (the audit time filters
     * answered them 500), a bare date and a local time (answered 200), and a day Date rolls over.
     */
    const NOT_INSTANTS = ['2026-12-03T07', '2026-W49', '2026-337', '2026-12-03T07Z', '2026-12-03T07:00:00+01', '2026-12-03', '2026-12-03T00:00:00', '2026-02-30T10:00:00Z'];

    /** Every query parameter that takes an instant: method, path, parameter, the route's other required parameters. */
    const QUERY_INSTANTS: readonly (readonly [string, string, string, string])[] = [
      ['GET', '/v1/audit/log', 'from', ''],
      ['GET', '/v1/audit/log', 'to', ''],
      ['GET', '/v1/audit/access-log', 'from', ''],
      ['GET', '/v1/audit/access-log', 'to', ''],
      ['GET', '/v1/audit/customers/{customerId}/360', 'asOf', ''],
      ['GET', '/v1/audit/customers/{customerId}/timeline', 'asOf', ''],
      ['GET', '/v1/analytics/kpis', 'asOf', 'from=2026-01-01&to=2026-01-31&'],
      ['GET', '/v1/analytics/service', 'asOf', 'from=2026-01-01&to=2026-01-31&'],
      ['GET', '/v1/analytics/rfm/distribution', 'asOf', ''],
      ['GET', '/v1/analytics/model', 'asOf', ''],
      ['POST', '/v1/analytics/model/fit', 'asOf', ''],
      ['GET', '/v1/analytics/customers.csv', 'asOf', ''],
      ['GET', '/v1/customers/{customerId}/analytics', 'asOf', ''],
    ];

    /** Every command that takes a business time `occurredAt` in its body. */
    const BODY_INSTANTS: readonly (readonly [string, string])[] = [
      ['POST', '/v1/customers'],
      ['PATCH', '/v1/customers/{customerId}'],
      ['POST', '/v1/customers/{customerId}/contact-points'],
      ['POST', '/v1/customers/{customerId}/consents'],
      ['POST', '/v1/customers/{customerId}/loyalty/redemptions'],
      ['POST', '/v1/customers/{customerId}/loyalty/adjustments'],
      ...['calls', 'emails/sent', 'emails/received', 'emails/opened', 'emails/clicked', 'chats', 'purchases', 'refunds', 'surveys', 'notes'].map((kind) => ['POST', `/v1/interactions/${kind}`] as const),
      ['POST', '/v1/tickets'],
      ...['assign', 'replies', 'resolve', 'reopen', 'notes', 'priority', 'close'].map((action) => ['POST', `/v1/tickets/{ticketId}/${action}`] as const),
    ];

    /** Batch commands: each item's `occurredAt`, refused in that item's result. */
    const BATCH_INSTANTS: readonly (readonly [string, Record<string, unknown>])[] = [
      ['/v1/customers/batch', { customerId: 'c-instant-b', profile: {} }],
      ['/v1/interactions/batch', { type: 'note', customerId: 'c-ok', noteId: 'n-instant-b', text: 'x', authorId: 'a' }],
    ];

    const concrete = (path: string) => path.replace('{customerId}', 'c-ok').replace('{ticketId}', 't-any');

    /** Sends every form that is no instant and answers, per form, what was wrong with the refusal (nothing when it was a 400 naming `field`). */
    async function faults(send: (value: string) => Promise<ApiResponse>, field: string): Promise<Record<string, string>> {
      const found: Record<string, string> = {};
      for (const value of NOT_INSTANTS) {
        const response = await storesNothing(() => send(value));
        const named = (response.body?.errors ?? []).some((error: { field: string }) => error.field === field);
        const problem = String(response.headers['content-type']).startsWith('application/problem+json');
        if (response.status !== 400 || !named || !problem) found[value] = `${response.status} ${problem ? JSON.stringify(response.body?.errors) : String(response.headers['content-type'])}`;
      }
      return found;
    }

    it.each(['/v1/audit/log', '/v1/audit/access-log'].flatMap((path) => ['from', 'to'].flatMap((name) => NOT_INSTANTS.map((value) => [path, name, value]))))(
      'GET %s?%s=%s is a 400 naming the parameter (it was 500, or 200 for a bare date or a local time)',
      async (path, name, value) => {
        expectRefused(await admin.get(`${path}?${name}=${encodeURIComponent(value)}`), 400, name);
      },
    );

    it('takes on the audit routes an instant with an offset, Z or a fraction of a second', async () => {
      for (const path of ['/v1/audit/log', '/v1/audit/access-log']) {
        const answer = await admin.get(`${path}?from=${encodeURIComponent('2026-12-03T07:00:00+01:00')}&to=${encodeURIComponent('2126-12-03T07:00:00.5Z')}`);
        expect({ path, status: answer.status }).toEqual({ path, status: 200 });
      }
    });

    it.each(QUERY_INSTANTS)('%s %s?%s= refuses every form that is no instant (400 naming it)', async (method, path, name, others) => {
      // Without a body: a POST that takes none (model/fit) refuses one before reading its query.
      const send = (value: string) => admin.raw(method, `${concrete(path)}?${others}${name}=${encodeURIComponent(value)}`, undefined);
      expect(await faults(send, name)).toEqual({});
    });

    it.each(BODY_INSTANTS)('%s %s refuses an occurredAt in every form that is no instant (400 naming it)', async (method, path) => {
      const send = (value: string) => (method === 'PATCH' ? admin.patch(concrete(path), { changes: { city: 'Paris' }, occurredAt: value }) : admin.post(concrete(path), { occurredAt: value }));
      expect(await faults(send, 'occurredAt')).toEqual({});
    });

    it.each(BATCH_INSTANTS)('POST %s refuses an item whose occurredAt is no instant, naming it', async (path, item) => {
      for (const value of NOT_INSTANTS) {
        const response = await storesNothing(() => admin.post(path, { items: [{ ...item, occurredAt: value }] }));
        expect({ value, result: response.body.results?.[0] }).toMatchObject({ value, result: { status: 400, problem: { errors: [{ field: 'items[0].occurredAt' }] } } });
      }
    });

    it('covers every instant the served OpenAPI document declares, and the document declares every one of them', async () => {
      const document = (await admin.get('/docs/openapi.json')).body as OpenApiDocument;
      const instant = (schema: Schema): boolean => schema.format === 'date-time' || (typeof schema.pattern === 'string' && schema.pattern.includes(INSTANT_PATTERN.source.slice(1, -1)));
      const declared: string[] = [];
      for (const operation of operationsOf(document)) {
        for (const parameter of operation.parameters) if (instant(parameter.schema)) declared.push(`${operation.method} ${operation.path} ${parameter.in}:${parameter.name}`);
        const body = operation.body ? resolve(document, operation.body) : {};
        for (const [name, property] of Object.entries((body.properties ?? {}) as Record<string, Schema>)) {
          if (instant(resolve(document, property))) declared.push(`${operation.method} ${operation.path} body:${name}`);
          const items = property.type === 'array' && property.items ? resolve(document, property.items as Schema) : undefined;
          const itemTimes = Object.entries((items?.properties ?? {}) as Record<string, Schema>).filter(([, field]) => instant(resolve(document, field)));
          for (const [field] of itemTimes) declared.push(`${operation.method} ${operation.path} body:${name}[].${field}`);
        }
      }
      const tested = [
        ...QUERY_INSTANTS.map(([method, path, name]) => `${method} ${path} query:${name}`),
        ...BODY_INSTANTS.map(([method, path]) => `${method} ${path} body:occurredAt`),
        // The interactions batch's items are "the fields of that kind's endpoint": the document lists only `type` there.
        ...BATCH_INSTANTS.filter(([path]) => path !== '/v1/interactions/batch').map(([path]) => `POST ${path} body:items[].occurredAt`),
      ];
      expect(declared.sort()).toEqual(tested.sort());
    });
  });

  describe('externalId: one customer per externalId', () => {
    it('refuses the same externalId on a second customer (409 naming externalId), storing nothing', async () => {
      expect((await ingest.post('/v1/customers', { customerId: 'c-ext-1', externalId: 'shop-42', profile: {} })).status).toBe(201);
      expectRefused(await storesNothing(() => ingest.post('/v1/customers', { customerId: 'c-ext-2', externalId: 'shop-42', profile: {} })), 409, 'externalId');
      // The same registration again is a retry, answered as the original.
      const retry = await ingest.post('/v1/customers', { customerId: 'c-ext-1', externalId: 'shop-42', profile: {} });
      expect({ status: retry.status, replayed: retry.body.replayed }).toEqual({ status: 201, replayed: true });
    });

    it('frees an externalId whose registration was refused', async () => {
      expectRefused(await storesNothing(() => ingest.post('/v1/customers', { customerId: 'c-ok', externalId: 'shop-free', profile: {} })), 409, 'customerId');
      expect((await ingest.post('/v1/customers', { customerId: 'c-ext-3', externalId: 'shop-free', profile: {} })).status).toBe(201);
    });

    it('does not change an externalId through PATCH (400)', async () => {
      expectRefused(await storesNothing(() => support.patch('/v1/customers/c-ext-1', { changes: { externalId: 'shop-43' } })), 400, 'changes.externalId');
    });
  });

  describe('400 for a field out of its range, 422 only for a rule on state', () => {
    it.each([
      ['CSAT 6', { kind: 'csat', score: 6 }],
      ['CSAT 0', { kind: 'csat', score: 0 }],
      ['NPS 11', { kind: 'nps', score: 11 }],
      ['NPS -1', { kind: 'nps', score: -1 }],
    ])('refuses %s with 400 naming score', async (_what, answer) => {
      expectRefused(await storesNothing(() => ingest.post('/v1/interactions/surveys', { customerId: 'c-ok', surveyId: `s-${answer.kind}-${answer.score}`, ...answer })), 400, 'score');
    });

    it('refuses a ticket SLA whose resolution is due before its first response (400 naming sla.resolutionMinutes)', async () => {
      const ticket = (ticketId: string, resolutionMinutes: number) => ({ customerId: 'c-ok', ticketId, subject: 'S', channel: 'email', priority: 'low', sla: { name: 'custom', firstResponseMinutes: 100, resolutionMinutes } });
      const refused = await storesNothing(() => support.post('/v1/tickets', ticket('t-sla-back', 10)));
      expectRefused(refused, 400, 'sla.resolutionMinutes');
      expect(refused.body.errors[0].message).toContain('must not be shorter than firstResponseMinutes');
      expect((await support.post('/v1/tickets', ticket('t-sla-even', 100))).status).toBe(201);
    });

        it('refuses blank required text, a zero adjustment and an empty segment name with 400', async () => {
      expectRefused(await storesNothing(() => support.post('/v1/tickets', { customerId: 'c-ok', ticketId: 't-blank', subject: '   ', channel: 'email', priority: 'low' })), 400, 'subject');
      expectRefused(await storesNothing(() => support.post('/v1/interactions/notes', { customerId: 'c-ok', noteId: 'n-blank', text: ' \n ', authorId: 'a-1' })), 400, 'text');
      expectRefused(await storesNothing(() => admin.post('/v1/customers/c-ok/loyalty/adjustments', { adjustmentId: 'adj-0', points: 0, reason: 'nothing' })), 400, 'points');
      expectRefused(await storesNothing(() => analyst.post('/v1/segments', { segmentId: 'seg-blank', name: '', rule: { field: 'country', op: 'eq', value: 'GB' } })), 400, 'name');
    });

    // Found from outside: a segment on a tier the programme does not have (a typo, "gld") was
    // stored, and matched nobody ever.
    it('refuses a segment rule or preview naming a loyalty tier LOYALTY_TIERS does not have (400 naming it), and takes the tiers it has', async () => {
      const rule = (tiers: string[]) => ({ all: [{ field: 'country', op: 'eq', value: 'GB' }, { loyaltyTier: { in: tiers } }] });
      const refused = await storesNothing(() => analyst.post('/v1/segments', { segmentId: 'seg-tier', name: 'Gold', rule: rule(['gold', 'gld']) }));
      expectRefused(refused, 400, 'rule.all[1].loyaltyTier.in[1]');
      expect(refused.body.errors).toEqual([{ field: 'rule.all[1].loyaltyTier.in[1]', message: 'rule.all[1].loyaltyTier.in[1] must be one of bronze, silver, gold' }]);
      expectRefused(await analyst.post('/v1/segments/preview', { rule: rule(['platinum']) }), 400, 'rule.all[1].loyaltyTier.in[0]');
      expect((await analyst.post('/v1/segments/preview', { rule: rule(['gold', 'silver']) })).status).toBe(200);
      expect((await analyst.post('/v1/segments', { segmentId: 'seg-tier', name: 'Gold', rule: rule(['gold']) })).status).toBe(201);
      expectRefused(await storesNothing(() => analyst.raw('PUT', '/v1/segments/seg-tier/rule', JSON.stringify({ rule: rule(['Gold']) }), { 'Content-Type': 'application/json' })), 400, 'rule.all[1].loyaltyTier.in[0]');
    });

    // Found from outside: a country that is no code ("Germany", "ZZ") or a blank city was stored and
    // matched nobody, where an unknown tier or gender is refused.
    it('refuses a segment rule on a country profiles cannot hold or a blank city (400 naming it), and takes a code in any case', async () => {
      for (const [condition, field] of [
        [{ field: 'country', op: 'eq', value: 'Germany' }, 'rule.any[0].value'],
        [{ field: 'country', op: 'in', value: ['DE', 'ZZ'] }, 'rule.any[0].value[1]'],
        [{ field: 'city', op: 'eq', value: '   ' }, 'rule.any[0].value'],
        [{ field: 'city', op: 'in', value: ['Berlin', '\u200b\u2060'] }, 'rule.any[0].value[1]'],
      ] as const) {
        expectRefused(await storesNothing(() => analyst.post('/v1/segments', { segmentId: 'seg-where', name: 'Where', rule: { any: [condition] } })), 400, field);
        expectRefused(await analyst.post('/v1/segments/preview', { rule: { any: [condition] } }), 400, field);
      }
      expect((await analyst.post('/v1/segments/preview', { rule: { any: [{ field: 'country', op: 'in', value: ['de', 'GB'] }] } })).status).toBe(200);
    });

    // Found from outside: NPS 11 was refused twice for one fault (its scale, and a generic 0–10), and a
    // number where a text goes got the text's length rule beside "must be a string".
    it('says one thing once: a score off its scale, a number where a text goes', async () => {
      const survey = (surveyId: string, kind: string, score: number) => ({ customerId: 'c-ok', surveyId, kind, score });
      for (const [body, message] of [
        [survey('sv-nps-11', 'nps', 11), 'score must be from 0 to 10 for NPS'],
        [survey('sv-nps-neg', 'nps', -1), 'score must be from 0 to 10 for NPS'],
        [survey('sv-csat-6', 'csat', 6), 'score must be from 1 to 5 for CSAT'],
        [survey('sv-csat-0', 'csat', 0), 'score must be from 1 to 5 for CSAT'],
      ] as const) {
        const refused = await storesNothing(() => ingest.post('/v1/interactions/surveys', body));
        expect({ status: refused.status, errors: refused.body.errors }).toEqual({ status: 400, errors: [{ field: 'score', message }] });
      }
      expect((await ingest.post('/v1/interactions/surveys', survey('sv-nps-10', 'nps', 10))).status).toBe(201);
      expect((await support.post('/v1/tickets', { customerId: 'c-ok', ticketId: 't-typed', subject: 'Types', channel: 'web', priority: 'low' })).status).toBe(201);
      for (const [path, body, field] of [
        ['/v1/tickets/t-typed/replies', { author: 'agent', body: 5 }, 'body'],
        ['/v1/interactions/notes', { customerId: 'c-ok', noteId: 'n-typed', text: ['a'], authorId: 'a-1' }, 'text'],
        ['/v1/tickets', { customerId: 'c-ok', ticketId: 't-typed-2', subject: { text: 'x' }, channel: 'web', priority: 'low' }, 'subject'],
      ] as const) {
        const refused = await storesNothing(() => support.post(path, body));
        expect({ path, status: refused.status, errors: refused.body.errors }).toEqual({ path, status: 400, errors: [{ field, message: `${field} must be a string` }] });
      }
    });

    it('keeps 422 for a rule on state: redeeming more than the balance', async () => {
      expectRefused(await storesNothing(() => support.post('/v1/customers/c-first/loyalty/redemptions', { redemptionId: 'rd-over', points: 10, reason: 'x' })), 422, 'points');
    });
  });

  describe('a required field left out: one error naming it, saying it is required', () => {
    const IS_REQUIRED = /^(\S+) is required\b/;

    /** Bodies the document describes as valid for an operation (batches: one item of every kind), in the order to try them. */
    function candidates(document: OpenApiDocument, operation: Operation, arbitraries: RequestArbitraries, seed: number): { path: string; body: Json }[] {
      const requests = fc.sample(arbitraries.valid(operation), { seed, numRuns: 30 });
      const items = resolve(document, ((resolve(document, operation.body as Schema).properties ?? {}) as Record<string, Schema>).items ?? {});
      const kinds = ((resolve(document, (items.items ?? {}) as Schema).oneOf ?? []) as Schema[]);
      return requests.map((request, at) => {
        if (kinds.length === 0 || typeof request.body !== 'object' || request.body === null) return { path: request.path, body: request.body as Json };
        const oneOfEach = kinds.map((kind, index) => fc.sample(arbitraries.value(kind, undefined, 1), { seed: seed + at * 100 + index, numRuns: 1 })[0] as Json);
        return { path: request.path, body: { ...(request.body as Record<string, Json>), items: oneOfEach } };
      });
    }

    /** The problems a request was refused with, by field: the whole request's, or a batch item's. */
    function errorsOf(response: ApiResponse, item: number | undefined): { field: string; message: string }[] {
      if (item === undefined) return response.status === 400 ? (response.body?.errors ?? []) : [];
      const result = response.body?.results?.[item];
      return result?.status === 400 ? (result.problem?.errors ?? []) : [];
    }

    const send = (operation: Operation, path: string, body: Json) => admin.raw(operation.method, path, JSON.stringify(body), { 'Content-Type': 'application/json' });

    it('for every required property of every request body the served OpenAPI document describes, batch items included', async () => {
      const document = (await admin.get('/docs/openapi.json')).body as OpenApiDocument;
      // A customer of its own: the table runs every command, forgetting a customer included.
      expect((await admin.post('/v1/customers', { customerId: 'c-required', profile: { lastName: 'Table' } })).status).toBe(201);
      const arbitraries = new RequestArbitraries(document, { customerId: ['c-required'] }, new Date());
      const faults: string[] = [];
      const covered: string[] = [];
      for (const [index, operation] of operationsOf(document).filter((op) => op.body !== undefined).entries()) {
        const name = `${operation.method} ${operation.path}`;
        // A valid body: accepted, or refused for a rule on state (404, 409, 422), but never a 400.
        let valid: { path: string; body: Json } | undefined;
        for (const candidate of candidates(document, operation, arbitraries, 4_242 + index)) {
          const response = await send(operation, candidate.path, candidate.body);
          const batchRefused = Array.isArray(response.body?.results) && response.body.results.some((result: { status: number }) => result.status === 400);
          if (response.status !== 400 && !batchRefused) {
            valid = candidate;
            break;
          }
        }
        if (!valid) {
          faults.push(`${name}: no generated body was accepted`);
          continue;
        }
        for (const node of objectNodes(document, operation.body as Schema, valid.body, [])) {
          for (const property of (node.schema.required ?? []) as string[]) {
            if (!(property in node.value)) continue;
            const body = structuredClone(valid.body);
            let target = body as Json;
            for (const step of node.path) target = (target as Record<string | number, Json>)[step] as Json;
            delete (target as Record<string, Json>)[property];
            const item = node.path[0] === 'items' && typeof node.path[1] === 'number' ? node.path[1] : undefined;
            const field = [...node.path, property].reduce<string>((at, step) => (typeof step === 'number' ? `${at}[${step}]` : at === '' ? step : `${at}.${step}`), '');
            const errors = errorsOf(await send(operation, valid.path, body), item);
            covered.push(`${name} ${field}`);
            const own = errors.filter((error) => error.field === field);
            if (own.length !== 1 || IS_REQUIRED.exec(own[0].message)?.[1] !== property || errors.length !== 1) faults.push(`${name} without ${field}: ${JSON.stringify(errors)}`);
          }
        }
      }
      expect(faults).toEqual([]);
      // The table reached the field the tester named, nested objects, and items of both batches.
      expect(covered).toEqual(expect.arrayContaining(['POST /v1/customers/{customerId}/loyalty/redemptions reason', 'POST /v1/tickets sla.name', 'POST /v1/interactions/purchases lines[0].quantity', 'POST /v1/customers/batch items[0].profile', 'POST /v1/interactions/batch items[0].type']));
    });

    it('says so for the field the tester named, and that null is not a value for it', async () => {
      const absent = await storesNothing(() => support.post('/v1/customers/c-ok/loyalty/redemptions', { redemptionId: 'rd4', points: 1 }));
      expect(absent.body.errors).toEqual([{ field: 'reason', message: expect.stringMatching(/^reason is required: it must be a string/) }]);
      const sentNull = await storesNothing(() => support.post('/v1/customers/c-ok/loyalty/redemptions', { redemptionId: 'rd4', points: 1, reason: null }));
      expect(sentNull.body.errors).toEqual([{ field: 'reason', message: expect.stringMatching(/^reason is required and cannot be null/) }]);
    });
  });
});

describe('externalId across two command APIs on one event store file', () => {
  let dataDir: string;
  let apis: RunningChronicle[];
  let clients: ApiClient[];
  // The store as Chronicle's readers see it (personal values decrypted with the folder's key store).
  let events: CodecEventStore;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-rules-two-'));
    const apiEnv = (reactors: boolean) => env(dataDir, { CHRONICLE_ROLE: 'command-api', LOYALTY_REACTOR: String(reactors), SEGMENTS_REACTOR: String(reactors) });
    apis = [await startChronicle(apiEnv(true)), await startChronicle(apiEnv(false))];
    clients = apis.map((api) => new ApiClient(api.url, KEYS.ingest));
    events = await openDecodingEventStore(dataDir);
  });

  afterAll(async () => {
    await events?.close();
    for (const api of apis ?? []) await api.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('of concurrent registrations of different customers with one externalId (50 trials), exactly one is recorded', async () => {
    for (let trial = 0; trial < 50; trial += 1) {
      const externalId = `shop-race-${trial}`;
      const ids = [0, 1, 2, 3].map((index) => `c-race-${trial}-${index}`);
      const responses = await Promise.all(ids.map((customerId, index) => clients[index % 2].post('/v1/customers', { customerId, externalId, profile: {} })));
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([201, 409, 409, 409]);
      for (const refused of responses.filter((response) => response.status === 409)) expectRefused(refused, 409, 'externalId');
      const streams = await Promise.all(ids.map((customerId) => events.readStream(`customer-${customerId}`)));
      expect(streams.map((stream) => stream.length).sort()).toEqual([0, 0, 0, 1]);
    }
  });
});
