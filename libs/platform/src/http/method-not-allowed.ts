// Answers a request whose path exists with a method it does not take: 405 with the Allow header
// (RFC 9110 §15.5.6), and OPTIONS with 204 and Allow; Fastify alone would answer 404 for both.
// The routes are recorded as Fastify registers them, into a router of the same kind and options as
// Fastify's own (find-my-way), so the answer can never disagree with the routing.
import type { FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import findMyWay from 'find-my-way';
import { ProblemException, sendProblem } from '../errors/problem.filter';
import { pathOf } from './paths';

/** Every route's methods by path pattern, matched as Fastify matches them. */
export class RouteTable {
  private readonly router: findMyWay.Instance<findMyWay.HTTPVersion.V1>;
  private readonly methods = new Set<string>();

  constructor(options: { readonly caseSensitive: boolean; readonly ignoreTrailingSlash: boolean; readonly maxParamLength: number }) {
    this.router = findMyWay({ ...options });
  }

  add(method: HTTPMethods | HTTPMethods[], url: string): void {
    for (const one of Array.isArray(method) ? method : [method]) {
      this.methods.add(one);
      if (!this.router.hasRoute(one as findMyWay.HTTPMethod, url)) this.router.on(one as findMyWay.HTTPMethod, url, () => undefined);
    }
  }

  /** The methods the routes matching `path` take (HEAD wherever GET is), or none when no route matches. */
  methodsFor(path: string): Set<string> {
    const found = new Set<string>();
    for (const method of this.methods) {
      let match: unknown;
      try {
        match = this.router.find(method as findMyWay.HTTPMethod, path);
      } catch {
        continue; // a path the router cannot decode: it answers that itself
      }
      if (!match) continue;
      found.add(method);
      if (method === 'GET') found.add('HEAD');
    }
    return found;
  }
}

/** For a request no route took: answers 405, or 204 to OPTIONS, when its path takes other methods; false otherwise. */
export function answerOtherMethods(routes: RouteTable, request: FastifyRequest, reply: FastifyReply): boolean {
  const path = pathOf(request.url);
  const methods = routes.methodsFor(path);
  if (methods.size === 0 || methods.has(request.method)) return false;
  methods.add('OPTIONS');
  const allow = [...methods].sort().join(', ');
  if (request.method === 'OPTIONS') {
    reply.header('Allow', allow).code(204).send();
    return true;
  }
  sendProblem(reply, new ProblemException(405, `${request.method} is not allowed on ${path}; allowed: ${allow}`, { code: 'METHOD_NOT_ALLOWED', headers: { Allow: allow } }), request);
  return true;
}
