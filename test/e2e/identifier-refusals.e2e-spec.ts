// Which identifier a 404 or a 409 is about, over HTTP on the embedded default: every route with a
// path parameter given an unknown id, every body id that must name something that exists, every id
// that collides with one recorded with other data, on its own route and as a batch item, and the
// archived segment's 409. Each refusal is a problem document whose errors[] names the identifier
// (under `items[i]` in a batch) with the refusal's own detail as its message.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient, type ApiResponse } from '../support/api-client';
import { apiKeysSetting } from '../support/api-keys';
import { operationsOf, type OpenApiDocument } from '../support/contract/openapi-model';

const KEYS = { admin: 'ids-admin-key-0123456789' };

/** What a refusal says: its status, code and the fields its errors[] name, each with the detail as its message. */
function refusal(response: ApiResponse) {
  const body = response.body ?? {};
  return {
    status: response.status,
    problem: String(response.headers['content-type']).startsWith('application/problem+json'),
    code: body.code,
    fields: (body.errors ?? []).map((error: { field: string }) => error.field),
    messagesAreTheDetail: (body.errors ?? []).every((error: { message: string }) => error.message === body.detail),
  };
}

function named(status: number, code: string, field: string) {
  return { status, problem: true, code, fields: [field], messagesAreTheDetail: true };
}

/** A batch item's result as `refusal` reads a response. */
function itemRefusal(result: { status: number; problem?: { code?: string; detail: string; errors?: { field: string; message: string }[] } }) {
  return refusal({ status: result.status, headers: { 'content-type': 'application/problem+json' }, body: result.problem });
}

const line = { sku: 'S', name: 'N', category: 'c', quantity: 1, unitPriceMinor: 1000 };

describe('404 and 409 name the identifier at fault', () => {
  let dataDir: string;
  let chronicle: RunningChronicle;
  let admin: ApiClient;

  const send = (method: string, path: string, body?: unknown) =>
    body === undefined ? admin.raw(method, path, undefined) : admin.raw(method, path, JSON.stringify(body), { 'Content-Type': 'application/json' });

  async function created(method: string, path: string, body: unknown): Promise<void> {
    const response = await send(method, path, body);
    if (response.status >= 300) throw new Error(`${method} ${path} was answered ${response.status}: ${JSON.stringify(response.body)}`);
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-ids-'));
    chronicle = await startChronicle({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'error', API_KEYS: apiKeysSetting(KEYS) });
    admin = new ApiClient(chronicle.url, KEYS.admin);
    await created('POST', '/v1/customers', { customerId: 'c-known', externalId: 'ext-known', profile: { firstName: 'Ada' }, occurredAt: '2026-01-01T00:00:00Z' });
    await created('POST', '/v1/customers/c-known/contact-points', { kind: 'email', value: 'ada@example.com', label: 'home' });
    await created('POST', '/v1/tickets', { customerId: 'c-known', ticketId: 't-known', subject: 'S', channel: 'email', priority: 'low' });
    await created('POST', '/v1/interactions/calls', { customerId: 'c-known', callId: 'call-known', direction: 'inbound', durationSeconds: 60, outcome: 'resolved' });
    await created('POST', '/v1/interactions/emails/sent', { customerId: 'c-known', messageId: 'm-known', subject: 'Hi' });
    await created('POST', '/v1/interactions/chats', { customerId: 'c-known', chatId: 'chat-known', channel: 'web', messageCount: 3, durationSeconds: 60 });
    await created('POST', '/v1/interactions/purchases', { customerId: 'c-known', orderId: 'o-known', channel: 'web', currency: 'EUR', lines: [line] });
    await created('POST', '/v1/interactions/refunds', { customerId: 'c-known', orderId: 'o-known', refundId: 'r-known', amountMinor: 100, currency: 'EUR' });
    await created('POST', '/v1/interactions/surveys', { customerId: 'c-known', surveyId: 'sv-known', kind: 'nps', score: 9 });
    await created('POST', '/v1/interactions/notes', { customerId: 'c-known', noteId: 'n-known', text: 'Likes tea', authorId: 'a-1' });
    await created('POST', '/v1/customers/c-known/loyalty/adjustments', { adjustmentId: 'adj-known', points: 500, reason: 'welcome' });
    await created('POST', '/v1/customers/c-known/loyalty/redemptions', { redemptionId: 'rd-known', points: 10, reason: 'voucher' });
    await created('POST', '/v1/segments', { segmentId: 'seg-known', name: 'GB', rule: { field: 'country', op: 'eq', value: 'GB' } });
    await created('POST', '/v1/segments', { segmentId: 'seg-archived', name: 'FR', rule: { field: 'country', op: 'eq', value: 'FR' } });
    await created('DELETE', '/v1/segments/seg-archived', undefined);
  });

  afterAll(async () => {
    await chronicle?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('an unknown id in the path: 404 NOT_FOUND naming the path parameter', () => {
    /** Every route with a path parameter: method, path, the parameter, a body the route would otherwise take. */
    const ROUTES: readonly (readonly [string, string, string, unknown])[] = [
      ['GET', '/v1/customers/{customerId}', 'customerId', undefined],
      ['PATCH', '/v1/customers/{customerId}', 'customerId', { changes: { city: 'Paris' } }],
      ['POST', '/v1/customers/{customerId}/contact-points', 'customerId', { kind: 'email', value: 'x@example.com' }],
      ['POST', '/v1/customers/{customerId}/consents', 'customerId', { purpose: 'profiling', granted: true, via: 'web' }],
      ['GET', '/v1/customers/{customerId}/timeline', 'customerId', undefined],
      ['GET', '/v1/customers/{customerId}/tickets', 'customerId', undefined],
      ['GET', '/v1/customers/{customerId}/segments', 'customerId', undefined],
      ['GET', '/v1/customers/{customerId}/analytics', 'customerId', undefined],
      ['GET', '/v1/customers/{customerId}/loyalty', 'customerId', undefined],
      ['GET', '/v1/customers/{customerId}/loyalty/history', 'customerId', undefined],
      ['POST', '/v1/customers/{customerId}/loyalty/redemptions', 'customerId', { redemptionId: 'rd-1', points: 10, reason: 'voucher' }],
      ['POST', '/v1/customers/{customerId}/loyalty/adjustments', 'customerId', { adjustmentId: 'adj-1', points: 10, reason: 'goodwill' }],
      ['GET', '/v1/customers/{customerId}/live', 'customerId', undefined],
      ['GET', '/v1/customers/{customerId}/export', 'customerId', undefined],
      ['POST', '/v1/customers/{customerId}/forget', 'customerId', { reason: 'asked' }],
      ['GET', '/v1/audit/customers/{customerId}/360', 'customerId', undefined],
      // It answered an unknown customer with an empty page, where the as-of 360 view and the live timeline answer 404.
      ['GET', '/v1/audit/customers/{customerId}/timeline', 'customerId', undefined],
      ['GET', '/v1/audit/streams/{streamId}', 'streamId', undefined],
      ['GET', '/v1/tickets/{ticketId}', 'ticketId', undefined],
      ['POST', '/v1/tickets/{ticketId}/assign', 'ticketId', { agentId: 'agent-1' }],
      ['POST', '/v1/tickets/{ticketId}/replies', 'ticketId', { author: 'agent', body: 'Hello' }],
      ['POST', '/v1/tickets/{ticketId}/resolve', 'ticketId', { resolution: 'Done' }],
      ['POST', '/v1/tickets/{ticketId}/reopen', 'ticketId', {}],
      ['POST', '/v1/tickets/{ticketId}/notes', 'ticketId', { body: 'Internal' }],
      ['POST', '/v1/tickets/{ticketId}/priority', 'ticketId', { priority: 'high' }],
      ['POST', '/v1/tickets/{ticketId}/close', 'ticketId', {}],
      ['GET', '/v1/segments/{segmentId}', 'segmentId', undefined],
      ['GET', '/v1/segments/{segmentId}/members', 'segmentId', undefined],
      ['PUT', '/v1/segments/{segmentId}/rule', 'segmentId', { rule: { field: 'country', op: 'eq', value: 'DE' } }],
      ['DELETE', '/v1/segments/{segmentId}', 'segmentId', undefined],
    ];

    it.each(ROUTES)('%s %s names %s', async (method, path, parameter, body) => {
      const response = await send(method, path.replace(`{${parameter}}`, 'x-unknown'), body);
      expect(refusal(response)).toEqual(named(404, 'NOT_FOUND', parameter));
    });

    it('covers every route with a path parameter the served OpenAPI document declares', async () => {
      const document = (await admin.get('/docs/openapi.json')).body as OpenApiDocument;
      const declared = operationsOf(document)
        .filter((operation) => operation.parameters.some((parameter) => parameter.in === 'path'))
        .map((operation) => `${operation.method} ${operation.path}`);
      expect(ROUTES.map(([method, path]) => `${method} ${path}`).sort()).toEqual(declared.sort());
    });
  });

  describe('an unknown id in the body: 404 NOT_FOUND naming the field, on its route and as a batch item', () => {
    /** The route, the field at fault, the body, and the item's type in an interactions batch (null: the route has no batch). */
    const UNKNOWN: readonly (readonly [string, string, Record<string, unknown>, string | null])[] = [
      ['/v1/interactions/calls', 'customerId', { customerId: 'c-unknown', callId: 'call-404', direction: 'inbound', durationSeconds: 1, outcome: 'resolved' }, 'call'],
      ['/v1/interactions/emails/sent', 'customerId', { customerId: 'c-unknown', messageId: 'm-404', subject: 'Hi' }, 'email-sent'],
      ['/v1/interactions/emails/received', 'customerId', { customerId: 'c-unknown', messageId: 'm-404-in', subject: 'Hi' }, 'email-received'],
      ['/v1/interactions/emails/opened', 'customerId', { customerId: 'c-unknown', messageId: 'm-known' }, 'email-opened'],
      ['/v1/interactions/emails/opened', 'messageId', { customerId: 'c-known', messageId: 'm-unknown' }, 'email-opened'],
      ['/v1/interactions/emails/clicked', 'customerId', { customerId: 'c-unknown', messageId: 'm-known', url: 'https://x.example/' }, 'email-clicked'],
      ['/v1/interactions/emails/clicked', 'messageId', { customerId: 'c-known', messageId: 'm-unknown', url: 'https://x.example/' }, 'email-clicked'],
      ['/v1/interactions/chats', 'customerId', { customerId: 'c-unknown', chatId: 'chat-404', channel: 'web', messageCount: 1, durationSeconds: 1 }, 'chat'],
      ['/v1/interactions/purchases', 'customerId', { customerId: 'c-unknown', orderId: 'o-404', channel: 'web', currency: 'EUR', lines: [line] }, 'purchase'],
      ['/v1/interactions/refunds', 'customerId', { customerId: 'c-unknown', orderId: 'o-known', refundId: 'r-404', amountMinor: 1, currency: 'EUR' }, 'refund'],
      ['/v1/interactions/refunds', 'orderId', { customerId: 'c-known', orderId: 'o-unknown', refundId: 'r-404', amountMinor: 1, currency: 'EUR' }, 'refund'],
      ['/v1/interactions/surveys', 'customerId', { customerId: 'c-unknown', surveyId: 'sv-404', kind: 'nps', score: 9 }, 'survey'],
      ['/v1/interactions/surveys', 'ticketId', { customerId: 'c-known', surveyId: 'sv-404', kind: 'csat', score: 4, ticketId: 't-unknown' }, 'survey'],
      ['/v1/interactions/notes', 'customerId', { customerId: 'c-unknown', noteId: 'n-404', text: 'x', authorId: 'a-1' }, 'note'],
      ['/v1/tickets', 'customerId', { customerId: 'c-unknown', ticketId: 't-404', subject: 'S', channel: 'email', priority: 'low' }, null],
    ];

    it.each(UNKNOWN)('POST %s names %s', async (path, field, body) => {
      expect(refusal(await send('POST', path, body))).toEqual(named(404, 'NOT_FOUND', field));
    });

    it('names the field under items[i] in an interactions batch, item by item', async () => {
      const batched = UNKNOWN.filter(([, , , type]) => type !== null);
      const response = await send('POST', '/v1/interactions/batch', { items: batched.map(([, , body, type]) => ({ type, ...body })) });
      expect(response.status).toBe(200);
      expect(response.body.results.map(itemRefusal)).toEqual(batched.map(([, field], index) => named(404, 'NOT_FOUND', `items[${index}].${field}`)));
    });
  });

  describe('an id recorded with other data: 409 naming the id that collided, on its route and as a batch item', () => {
    /** The route, the field at fault, the body, and the batch it may also come in: `customers`, or the item's type in an interactions batch. */
    const COLLISIONS: readonly (readonly [string, string, Record<string, unknown>, string | null])[] = [
      ['/v1/customers', 'customerId', { customerId: 'c-known', profile: { firstName: 'Someone else' } }, 'customers'],
      ['/v1/customers', 'externalId', { customerId: 'c-ext-other', externalId: 'ext-known', profile: {} }, 'customers'],
      ['/v1/interactions/calls', 'callId', { customerId: 'c-known', callId: 'call-known', direction: 'outbound', durationSeconds: 5, outcome: 'resolved' }, 'call'],
      ['/v1/interactions/emails/sent', 'messageId', { customerId: 'c-known', messageId: 'm-known', subject: 'Another subject' }, 'email-sent'],
      ['/v1/interactions/emails/received', 'messageId', { customerId: 'c-known', messageId: 'm-known', subject: 'Hi' }, 'email-received'],
      ['/v1/interactions/chats', 'chatId', { customerId: 'c-known', chatId: 'chat-known', channel: 'web', messageCount: 9, durationSeconds: 60 }, 'chat'],
      ['/v1/interactions/purchases', 'orderId', { customerId: 'c-known', orderId: 'o-known', channel: 'web', currency: 'EUR', lines: [{ ...line, quantity: 2 }] }, 'purchase'],
      ['/v1/interactions/refunds', 'refundId', { customerId: 'c-known', orderId: 'o-known', refundId: 'r-known', amountMinor: 200, currency: 'EUR' }, 'refund'],
      ['/v1/interactions/surveys', 'surveyId', { customerId: 'c-known', surveyId: 'sv-known', kind: 'nps', score: 3 }, 'survey'],
      ['/v1/interactions/notes', 'noteId', { customerId: 'c-known', noteId: 'n-known', text: 'Likes coffee', authorId: 'a-1' }, 'note'],
      ['/v1/tickets', 'ticketId', { customerId: 'c-known', ticketId: 't-known', subject: 'Another subject', channel: 'email', priority: 'low' }, null],
      ['/v1/segments', 'segmentId', { segmentId: 'seg-known', name: 'DE', rule: { field: 'country', op: 'eq', value: 'DE' } }, null],
      ['/v1/customers/c-known/loyalty/redemptions', 'redemptionId', { redemptionId: 'rd-known', points: 20, reason: 'voucher' }, null],
      ['/v1/customers/c-known/loyalty/adjustments', 'adjustmentId', { adjustmentId: 'adj-known', points: 7, reason: 'welcome' }, null],
      ['/v1/customers/c-known/contact-points', 'value', { kind: 'email', value: 'ada@example.com', label: 'work' }, null],
    ];

    it.each(COLLISIONS)('POST %s names %s', async (path, field, body) => {
      expect(refusal(await send('POST', path, body))).toEqual(named(409, 'ALREADY_EXISTS', field));
    });

    it('names the field under items[i] in a customers batch', async () => {
      const items = COLLISIONS.filter(([, , , batch]) => batch === 'customers').map(([, , body]) => body);
      const response = await send('POST', '/v1/customers/batch', { items });
      expect(response.body.results.map(itemRefusal)).toEqual([named(409, 'ALREADY_EXISTS', 'items[0].customerId'), named(409, 'ALREADY_EXISTS', 'items[1].externalId')]);
    });

    it('names the field under items[i] in an interactions batch', async () => {
      const batched = COLLISIONS.filter(([, , , batch]) => batch !== null && batch !== 'customers');
      const response = await send('POST', '/v1/interactions/batch', { items: batched.map(([, , body, type]) => ({ type, ...body })) });
      expect(response.body.results.map(itemRefusal)).toEqual(batched.map(([, field], index) => named(409, 'ALREADY_EXISTS', `items[${index}].${field}`)));
    });
  });

  it('an archived segment: a rule change is 409 INVALID_STATE naming segmentId', async () => {
    const response = await send('PUT', '/v1/segments/seg-archived/rule', { rule: { field: 'country', op: 'eq', value: 'DE' } });
    expect(refusal(response)).toEqual(named(409, 'INVALID_STATE', 'segmentId'));
  });
});
