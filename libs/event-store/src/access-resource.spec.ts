import { accessResource } from './access-resource';

describe('accessResource: what the access log records as the resource, never a query value', () => {
  it.each([
    ['/v1/customers/c-ada', 'GET /v1/customers/c-ada'],
    ['/v1/customers?email=zed@example.com', 'GET /v1/customers?email=…'],
    ['/v1/customers?phone=%2B15559876543&limit=5', 'GET /v1/customers?phone=…&limit=…'],
    ['/v1/customers?q=Zedowski', 'GET /v1/customers?q=…'],
    ['/v1/customers?q=a&q=b', 'GET /v1/customers?q=…'],
    ['/v1/customers?', 'GET /v1/customers'],
    ['/v1/customers?name', 'GET /v1/customers?name=…'],
    // A name that is not a parameter name could be the value itself: left out too.
    ['/v1/customers?zed%40example.com', 'GET /v1/customers?…'],
    ['/v1/customers?%2B15559876543=1&id=c-1', 'GET /v1/customers?…&id=…'],
    ['/v1/customers?%E0%A4%A=1', 'GET /v1/customers?…'],
    // Idempotent: a resource it made stays as it is.
    ['/v1/customers?phone=…&…', 'GET /v1/customers?phone=…&…'],
  ])('%s → %s', (url, resource) => {
    expect(accessResource('GET', url)).toBe(resource);
  });

  it('keeps only the names the route declares when it is told them', () => {
    const declared = new Set(['minPosition']);
    expect(accessResource('GET', '/v1/customers/c-1?minPosition=3&cus8f3a9c2d41e7=1', declared)).toBe('GET /v1/customers/c-1?minPosition=…&…');
    expect(accessResource('GET', '/v1/customers/c-1?cus8f3a9c2d41e7', new Set())).toBe('GET /v1/customers/c-1?…');
  });
});
