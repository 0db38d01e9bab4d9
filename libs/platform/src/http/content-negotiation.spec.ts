// How the Accept header is weighed: NDJSON only where the client prefers it to JSON, and a 406 only
// where it takes nothing the API answers in.
import { answeredMediaTypes, notAcceptable, prefersNdjson } from './content-negotiation';

describe('content negotiation', () => {
  it.each([
    ['application/x-ndjson', true],
    ['Application/X-NDJSON; charset=utf-8', true],
    ['application/x-ndjson, application/json;q=0.5', true],
    ['application/json;q=0.5, application/x-ndjson', true],
    // JSON first at equal weight, or weighed higher, or NDJSON refused outright: JSON.
    ['application/json, application/x-ndjson', false],
    ['application/json, application/x-ndjson;q=0.9', false],
    ['application/x-ndjson;q=0, application/json', false],
    ['application/x-ndjson;q=0, */*', false],
    ['*/*', false],
    ['application/*', false],
    ['application/json', false],
    ['', false],
    [undefined, false],
  ])('Accept: %s prefers NDJSON: %s', (accept, ndjson) => {
    expect(prefersNdjson(accept)).toBe(ndjson);
  });

  const JSON_ROUTE = answeredMediaTypes([{ status: 200, schema: 'Customer360', description: 'OK' }]);
  const EXPORT_ROUTE = answeredMediaTypes([{ status: 200, schema: 'AuditLogPage', description: 'OK', ndjsonLine: 'AuditEnvelope' }]);
  const CSV_ROUTE = answeredMediaTypes([{ status: 200, mediaType: 'text/csv', description: 'OK' }]);
  const NO_BODY_ROUTE = answeredMediaTypes([{ status: 204, description: 'OK' }]);

  it('reads what a route answers in from its @ApiAnswer', () => {
    expect({ json: JSON_ROUTE, exports: EXPORT_ROUTE, csv: CSV_ROUTE, none: NO_BODY_ROUTE, undeclared: answeredMediaTypes([]) })
      .toEqual({ json: ['application/json'], exports: ['application/json', 'application/x-ndjson'], csv: ['text/csv'], none: [], undeclared: ['application/json'] });
  });

  it.each([
    ['text/csv', JSON_ROUTE], ['text/html', JSON_ROUTE], ['application/xml, text/plain;q=0.5', JSON_ROUTE], ['application/json;q=0', JSON_ROUTE], ['*/*;q=0', JSON_ROUTE],
    ['application/problem+json', JSON_ROUTE], ['text/plain', EXPORT_ROUTE], ['application/json', CSV_ROUTE],
  ])('Accept: %s takes nothing a route answering %j answers in: 406 naming Accept', (accept, answered) => {
    const refusal = notAcceptable(accept, answered);
    expect({ status: refusal?.getStatus(), code: refusal?.extra.code, fields: refusal?.extra.errors?.map((error) => error.field) }).toEqual({ status: 406, code: 'NOT_ACCEPTABLE', fields: ['Accept'] });
  });

  it.each([
    [undefined, JSON_ROUTE], ['', JSON_ROUTE], ['*/*', JSON_ROUTE], ['application/json', JSON_ROUTE], ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', JSON_ROUTE],
    ['application/*', JSON_ROUTE], ['text/csv, application/json;q=0.1', JSON_ROUTE], ['application/x-ndjson', EXPORT_ROUTE], ['text/csv', CSV_ROUTE], ['text/*', CSV_ROUTE], ['text/csv', NO_BODY_ROUTE],
  ])('Accept: %s takes an answer of a route answering %j', (accept, answered) => {
    expect(notAcceptable(accept, answered)).toBeUndefined();
  });
});
