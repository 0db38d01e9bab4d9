import { trustedProxies, trustedProxiesProblem } from './trusted-proxies';

describe('trusted proxies (TRUST_PROXY)', () => {
  it('trusts no peer when empty or 0', () => {
    expect(trustedProxies('')).toBe(false);
    expect(trustedProxies('  ')).toBe(false);
    expect(trustedProxies('0')).toBe(false);
  });

  it('reads a hop count', () => {
    expect(trustedProxies('1')).toBe(1);
    expect(trustedProxies(' 2 ')).toBe(2);
  });

  it('reads addresses, CIDR ranges and named ranges, trimmed', () => {
    expect(trustedProxies('loopback, 10.0.0.0/8,fd00::/8 , 192.168.1.7, ::1, uniquelocal, linklocal')).toEqual([
      'loopback', '10.0.0.0/8', 'fd00::/8', '192.168.1.7', '::1', 'uniquelocal', 'linklocal',
    ]);
  });

  it.each([
    ['true', 'cannot trust every peer'],
    ['*', 'cannot trust every peer'],
    ['ALL', 'cannot trust every peer'],
    ['loopback, 0.0.0.0/0', 'cannot trust every peer'],
    ['::/0', 'cannot trust every peer'],
    ['11', 'at most 10'],
    ['10.0.0.0/33', "'10.0.0.0/33'"],
    ['fd00::/129', "'fd00::/129'"],
    ['10.0.0.0/8/1', "'10.0.0.0/8/1'"],
    ['10.0.0.0/', "'10.0.0.0/'"],
    ['10.0.0.0/x', "'10.0.0.0/x'"],
    ['loopback,,10.0.0.1', "''"],
    ['gateway.internal', "'gateway.internal'"],
    ['10.0.0', "'10.0.0'"],
    ['LOOPBACK', "'LOOPBACK'"],
  ])('refuses %p, saying what is wrong', (value, problem) => {
    expect(trustedProxiesProblem(value)).toContain(problem);
    expect(() => trustedProxies(value)).toThrow(problem);
  });

  it('refuses what is not text', () => {
    expect(trustedProxiesProblem(3)).toBe('TRUST_PROXY must be a string');
  });
});
