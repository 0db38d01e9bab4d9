// What makes two HTTP requests "the same request" for an Idempotency-Key: method, route, path
// parameters, query and JSON body, compared as canonical JSON (key order and spacing aside).
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { canonicalJson } from '@app/event-sourcing';

export function requestFingerprint(request: Pick<Request, 'method' | 'path' | 'params' | 'query' | 'body'> & { route?: unknown }): string {
  const route = (request.route as { path?: unknown } | undefined)?.path;
  const shape = {
    method: request.method,
    // The route pattern (`/v1/tickets/:ticketId/replies`), so the path parameters are compared once, by name.
    route: typeof route === 'string' ? route : request.path,
    params: request.params ?? {},
    query: request.query ?? {},
    body: request.body ?? null,
  };
  return createHash('sha256').update(canonicalJson(shape)).digest('hex');
}
