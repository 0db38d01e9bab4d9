// How the Accept header is weighed: NDJSON only where the client prefers it to JSON, and a 406 only
// where it takes nothing the API answers in.
import { notAcceptable, prefersNdjson } from './content-negotiation';

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

  it.each([['text/csv'], ['text/html'], ['application/xml, text/plain;q=0.5'], ['application/json;q=0'], ['*/*;q=0']])('Accept: %s takes nothing the API answers: 406 naming Accept', (accept) => {
    const refusal = notAcceptable(accept);
    expect({ status: refusal?.getStatus(), code: refusal?.extra.code, fields: refusal?.extra.errors?.map((error) => error.field) }).toEqual({ status: 406, code: 'NOT_ACCEPTABLE', fields: ['Accept'] });
  });

  it.each([[undefined], [''], ['*/*'], ['application/json'], ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'], ['application/problem+json'], ['text/event-stream'], ['application/*'], ['text/csv, application/json;q=0.1']])(
    'Accept: %s takes an answer', (accept) => {
      expect(notAcceptable(accept)).toBeUndefined();
    },
  );
});
