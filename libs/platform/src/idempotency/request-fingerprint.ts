// What makes two HTTP requests "the same request" for an Idempotency-Key: method, route, path
// parameters, query and JSON body, compared as canonical JSON (key order and spacing aside), kept
// as a keyed hash (keyedFingerprint): a plain one of a body with a phone number in it could be
// matched against guesses after the customer was forgotten.
import { createHash } from 'node:crypto';
import { keyedFingerprint } from '@app/event-store';
import type { FastifyRequest } from 'fastify';
import { canonicalJson } from '@app/event-sourcing';
import { pathOf } from '../http/paths';

export function requestFingerprint(request: Pick<FastifyRequest, 'method' | 'url' | 'params' | 'query' | 'body'> & { readonly routeOptions?: { readonly url?: string } }, key: Buffer): string {
  const route = request.routeOptions?.url;
  const shape = {
    method: request.method,
    // The route pattern (`/v1/tickets/:ticketId/replies`), so the path parameters are compared once,
    // by name; the request's path (without the query) where no route matched. The same strings as
    // under Express (its request.route.path and request.path), so keys recorded before stay valid.
    route: typeof route === 'string' ? route : pathOf(request.url),
    params: request.params ?? {},
    query: request.query ?? {},
    body: request.body ?? null,
  };
  return keyedFingerprint(key, createHash('sha256').update(canonicalJson(shape)).digest('hex'));
}

/** DI token of the deployment's fingerprint key (fingerprintKey of the session secret). */
export const IDEMPOTENCY_FINGERPRINT_KEY = Symbol('IdempotencyFingerprintKey');
