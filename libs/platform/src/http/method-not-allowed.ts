// Answers a request whose path exists with a method it does not take: 405 with the Allow header
// (RFC 9110 §15.5.6), and OPTIONS with 204 and Allow; express alone would answer 404 for both.
// The routes are read from the express router itself once the application has registered them, so
// the answer can never disagree with the routing.
import type { NextFunction, Request, Response } from 'express';
import { ProblemException, sendProblem } from '../errors/problem.filter';

/** What the methods check reads of an express router layer. */
export interface RouteLayer {
  readonly route?: { readonly methods: Readonly<Record<string, boolean>> };
  match(path: string): unknown;
}

/** The methods the routes matching `path` take (HEAD wherever GET is), or none when no route matches. */
function methodsFor(layers: readonly RouteLayer[], path: string): Set<string> {
  const methods = new Set<string>();
  for (const layer of layers) {
    if (!layer.route) continue;
    let matches: unknown;
    try {
      matches = layer.match(path);
    } catch {
      continue; // a path the router cannot decode: it answers that itself
    }
    if (!matches) continue;
    for (const [method, handled] of Object.entries(layer.route.methods)) {
      if (!handled || method === '_all') continue;
      methods.add(method.toUpperCase());
      if (method === 'get') methods.add('HEAD');
    }
  }
  return methods;
}

/** Middleware for requests no route took (installed after the routes); `routes` gives the router's layers. */
export function methodNotAllowed(routes: () => readonly RouteLayer[]) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const methods = methodsFor(routes(), request.path);
    if (methods.size === 0 || methods.has(request.method)) return next();
    methods.add('OPTIONS');
    const allow = [...methods].sort().join(', ');
    if (request.method === 'OPTIONS') {
      response.set('Allow', allow).status(204).end();
      return;
    }
    sendProblem(response, new ProblemException(405, `${request.method} is not allowed on ${request.path}; allowed: ${allow}`, { code: 'METHOD_NOT_ALLOWED', headers: { Allow: allow } }));
  };
}
