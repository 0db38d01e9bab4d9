import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import { installCheapAsyncResourceBind } from './async-resource-bind';

describe('AsyncResource.bind without per-call deprecation wrappers', () => {
  beforeAll(() => {
    installCheapAsyncResourceBind();
  });

  it('is installed once per process', () => {
    expect(installCheapAsyncResourceBind()).toBe(false);
  });

  it('no longer makes a deprecated accessor per bound function (the ~8 µs Node 20 spends on each bind)', () => {
    const resource = new AsyncResource('spec');
    const first = Object.getOwnPropertyDescriptor(resource.bind(() => 1), 'asyncResource');
    const second = Object.getOwnPropertyDescriptor(AsyncResource.bind(() => 2), 'asyncResource');
    expect(first?.get).toBeDefined();
    expect(first?.get).toBe(second?.get);
    expect(first?.set).toBe(second?.set);
  });

  it('runs the function in the async context the resource was made in, as Nest and Fastify rely on', () => {
    const storage = new AsyncLocalStorage<string>();
    const [viaResource, viaStatic] = storage.run('request A', () => [new AsyncResource('spec').bind(() => storage.getStore()), AsyncResource.bind(() => storage.getStore())]);
    expect(storage.run('request B', () => [viaResource(), viaStatic(), storage.getStore()])).toEqual(['request A', 'request A', 'request B']);
    expect(viaResource()).toBe('request A');
  });

  it('passes `this`, the arguments and the result through; a given thisArg wins; length is the function\'s', () => {
    // Node's bind takes a thisArg its types leave out.
    const resource = new AsyncResource('spec') as unknown as { bind(fn: Add, thisArg?: unknown): Add };
    type Add = (this: unknown, a: number, b: number) => number;
    const add: Add = function (this: unknown, a, b) {
      return ((this as { base?: number } | undefined)?.base ?? 0) + a + b;
    };
    const bound = resource.bind(add);
    expect(bound.length).toBe(2);
    expect(bound.call({ base: 100 }, 1, 2)).toBe(103);
    expect(bound(1, 2)).toBe(3);
    const withThis = resource.bind(add, { base: 10 });
    expect(withThis.call({ base: 1_000 }, 1, 2)).toBe(13);
    expect(withThis.length).toBe(2);
    const failing = new AsyncResource('spec').bind(() => {
      throw new Error('inside');
    });
    expect(() => failing()).toThrow('inside');
  });

  it('still reads and sets asyncResource (deprecated), and refuses what is not a function as Node does', () => {
    // Reading it prints Node's DEP0172 warning once (jest's `process` is not the one util.deprecate reads).
    {
      const resource = new AsyncResource('spec');
      const other = new AsyncResource('other');
      const bound = resource.bind(() => 1) as (() => number) & { asyncResource: AsyncResource };
      expect(bound.asyncResource).toBe(resource);
      bound.asyncResource = other;
      expect(bound.asyncResource).toBe(other);
      expect(resource.bind(() => 2) as unknown as { asyncResource: AsyncResource }).toHaveProperty('asyncResource', resource);
    }
    expect(() => new AsyncResource('spec').bind('not a function' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });
});
