import { createHash } from 'node:crypto';
import { canonicalJson } from '@app/event-sourcing';
import { fingerprintKey } from '@app/event-store';
import { requestFingerprint } from './request-fingerprint';

// Found from outside: the stored fingerprint was the plain SHA-256 of this shape, so a forgotten
// customer's phone number in a PATCH body came back by hashing guesses.
describe('requestFingerprint', () => {
  const request = (phone: string) => ({
    method: 'PATCH',
    url: '/v1/customers/c-bob',
    routeOptions: { url: '/v1/customers/:customerId' },
    params: { customerId: 'c-bob' },
    query: {},
    body: { changes: { phone } },
  });
  const key = fingerprintKey(Buffer.alloc(32, 1));

  it('is the same for the same request whatever its key order, and another for another body', () => {
    const reordered = { ...request('+447700954321'), body: JSON.parse('{"changes":{"phone":"+447700954321"}}') as unknown };
    expect(requestFingerprint(reordered, key)).toBe(requestFingerprint(request('+447700954321'), key));
    expect(requestFingerprint(request('+447700954322'), key)).not.toBe(requestFingerprint(request('+447700954321'), key));
  });

  it('cannot be matched against guesses without the deployment key: not the plain hash of the request, and another under another key', () => {
    const target = request('+447700954321');
    const plain = createHash('sha256')
      .update(canonicalJson({ method: target.method, route: target.routeOptions.url, params: target.params, query: target.query, body: target.body }))
      .digest('hex');
    expect(requestFingerprint(target, key)).not.toBe(plain);
    expect(requestFingerprint(target, fingerprintKey(Buffer.alloc(32, 2)))).not.toBe(requestFingerprint(target, key));
  });
});
