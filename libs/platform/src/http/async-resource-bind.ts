// Node 20's AsyncResource.prototype.bind gives every bound function a deprecated `asyncResource`
// accessor (DEP0172) made of two fresh util.deprecate wrappers: ~8 µs per bind, against ~1.5 µs for
// the binding itself. Fastify binds once per request with a body (its content-type parser) and Nest
// twice per request through an interceptor, so on the HTTP thread that was ~5% of a command's CPU
// and ~3% of a read's (bench/README.md, "AsyncResource.bind"). This installs the same bind with one
// shared accessor: the bound function runs `fn` in the resource's async scope exactly as before (the
// same runInAsyncScope call, `this` and arguments passed through, `length` kept), and
// `asyncResource` still reads and sets the resource, with the same deprecation warning on use.
import { AsyncResource } from 'node:async_hooks';
import { deprecate } from 'node:util';

type Bind = (this: AsyncResource, fn: (...args: unknown[]) => unknown, thisArg?: unknown) => (...args: unknown[]) => unknown;

const INSTALLED = Symbol.for('chronicle.asyncResourceBind');
const DEPRECATION = 'The asyncResource property on bound functions is deprecated';

/** The resource each bound function was made for (what `asyncResource` reads and sets). */
const resources = new WeakMap<object, AsyncResource>();

const accessor = {
  configurable: true,
  enumerable: true,
  get: deprecate(function asyncResource(this: object) {
    return resources.get(this);
  }, DEPRECATION, 'DEP0172'),
  set: deprecate(function asyncResource(this: object, resource: AsyncResource) {
    resources.set(this, resource);
  }, DEPRECATION, 'DEP0172'),
};

/** Replaces AsyncResource.prototype.bind once per process (later calls do nothing); answers whether it did. */
export function installCheapAsyncResourceBind(): boolean {
  const prototype = AsyncResource.prototype as AsyncResource & { [INSTALLED]?: true; bind: Bind };
  if (prototype[INSTALLED]) return false;
  const original = prototype.bind;
  const bind: Bind = function bind(this: AsyncResource, fn, thisArg) {
    // Node's own argument check and error (ERR_INVALID_ARG_TYPE).
    if (typeof fn !== 'function') return original.call(this, fn, thisArg);
    const resource = this;
    const bound =
      thisArg === undefined
        ? function (this: unknown, ...args: unknown[]) {
            return resource.runInAsyncScope(fn, this, ...args);
          }
        : resource.runInAsyncScope.bind(resource, fn, thisArg);
    Object.defineProperty(bound, 'length', { configurable: true, enumerable: false, value: fn.length, writable: false });
    resources.set(bound, resource);
    Object.defineProperty(bound, 'asyncResource', accessor);
    return bound as (...args: unknown[]) => unknown;
  };
  Object.defineProperty(prototype, 'bind', { configurable: true, enumerable: false, writable: true, value: bind });
  Object.defineProperty(prototype, INSTALLED, { configurable: false, enumerable: false, writable: false, value: true });
  return true;
}
