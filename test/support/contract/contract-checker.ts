// Sends one generated request to a running Chronicle and says how the answer departs from the OpenAPI
// document: a status it does not document or any 5xx, a body that does not match the documented
// schema or media type, a caller let in (or refused) against the operation's roles, a request the
// schema forbids that was accepted, and any event a refused request stored.
import { randomUUID } from 'node:crypto';
import type { EventStore } from '@app/event-store';
import { eventually } from '../eventually';
import { exchange, type Exchange } from './contract-http';
import { ContractValidator, resolve, type Json, type OpenApiDocument, type Operation, type Schema } from './openapi-model';
import type { GeneratedRequest } from './request-arbitraries';

export const ROLES = ['ingest', 'support', 'analyst', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** Who sends: a key of a role, no key, or a key the server does not know. */
export type Caller = Role | 'none' | 'unknown';

export interface Outcome {
  readonly status: number;
  readonly violations: readonly string[];
  /** The problem's detail and errors, for refusals. */
  readonly detail?: string;
  /** The answer's body, when it is JSON. */
  readonly json?: unknown;
}

export class ContractChecker {
  readonly validator: ContractValidator;

  constructor(
    private readonly url: string,
    private readonly document: OpenApiDocument,
    private readonly keys: Readonly<Record<Role, string>>,
    private readonly store: EventStore,
  ) {
    this.validator = new ContractValidator(document);
  }

  /**
   * Waits until nothing is in flight: every pipeline has caught up with the log, so no reactor is about
   * to append. Only then does an unchanged head after a refusal mean that the refusal stored nothing.
   */
  async quiescent(): Promise<number> {
    return eventually(async () => {
      const ready = (await exchange(this.url, 'GET', '/health/ready', {})).json as { details: { eventStore: { headPosition: number }; readStore: { projectorCheckpoint: number | null }; pipelines: Record<string, { lag?: { events: number } } | string> } };
      const head = ready.details.eventStore.headPosition;
      const lagging = Object.entries(ready.details.pipelines).filter(([, pipeline]) => typeof pipeline === 'object' && (pipeline.lag?.events ?? 0) > 0);
      if ((ready.details.readStore.projectorCheckpoint ?? 0) !== head || lagging.length > 0) throw new Error(`not quiescent: head ${head}, lagging ${lagging.map(([name]) => name).join(', ')}`);
      return head;
    });
  }

  /** Whether the document says the request breaks its schema (what the server must then refuse). */
  schemaRefuses(operation: Operation, request: GeneratedRequest): boolean {
    const invalid = request.invalid;
    if (!invalid) return false;
    if (invalid.forced) return true;
    switch (invalid.where) {
      case 'body':
        return operation.body === undefined || this.validator.errors(operation.body, request.body).length > 0;
      case 'query': {
        const parameter = operation.parameters.find((p) => p.in === 'query' && p.name === invalid.name);
        return !parameter || this.validator.errors(parameter.schema, onTheWire(parameter.schema, request.query[invalid.name as string])).length > 0;
      }
      case 'path':
      case 'header': {
        const parameter = operation.parameters.find((p) => p.name === invalid.name);
        const value = invalid.where === 'path' ? decodeURIComponent(pathValue(operation.path, request.path, invalid.name as string)) : request.headers[invalid.name as string];
        return parameter !== undefined && this.validator.errors(parameter.schema, value).length > 0;
      }
    }
  }

  async check(operation: Operation, request: GeneratedRequest, caller: Caller, scheme: 'bearer' | 'x-api-key' = 'bearer'): Promise<Outcome> {
    const mustRefuse = this.schemaRefuses(operation, request);
    const before = await this.quiescent();
    const correlationId = randomUUID();
    const headers: Record<string, string> = { 'X-Correlation-Id': correlationId, ...authHeaders(caller, scheme, this.keys) };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';
    Object.assign(headers, request.headers);
    const query = new URLSearchParams(Object.entries(request.query).map(([name, value]): [string, string] => [name, typeof value === 'string' ? value : JSON.stringify(value)])).toString();
    const response = await exchange(this.url, operation.method, `${request.path}${query ? `?${query}` : ''}`, headers, request.body === undefined ? undefined : JSON.stringify(request.body));
    // A batch validates and records each item on its own: an item the schema forbids is refused in its
    // result (a 4xx status at its index), and the request as a whole is answered 200.
    const perItem = mustRefuse && request.invalid?.item !== undefined && this.answersPerItem(operation);
    const violations = [...this.statusViolations(operation, response, caller, mustRefuse && !perItem), ...this.bodyViolations(operation, response)];
    if (perItem && response.status < 300) {
      const index = request.invalid?.item as number;
      const result = (response.json as { results?: { index: number; status: number }[] } | undefined)?.results?.find((r) => r.index === index);
      if (!result || result.status < 400 || result.status >= 500) violations.push(`accepted item ${index}, which the document forbids (its result: ${JSON.stringify(result)})`);
    }
    if (response.status >= 400) violations.push(...(await this.storedBy(before, correlationId)));
    return { status: response.status, violations, ...(response.status >= 400 ? { detail: detailOf(response) } : {}), ...(response.json !== undefined ? { json: response.json } : {}) };
  }

  /** Whether the operation's success is a per-item batch answer (`results[]` with `accepted` and `rejected`). */
  private answersPerItem(operation: Operation): boolean {
    return [...operation.responses.values()].some((response) => {
      if (response.status >= 300) return false;
      const schema = response.content['application/json'];
      const properties = schema ? (resolve(this.document, schema).properties as Record<string, unknown> | undefined) : undefined;
      return properties !== undefined && 'results' in properties && 'rejected' in properties;
    });
  }

  private statusViolations(operation: Operation, response: Exchange, caller: Caller, mustRefuse: boolean): string[] {
    const found: string[] = [];
    const status = response.status;
    if (status >= 500) found.push(`answered ${status} (${detailOf(response)})`);
    if (!operation.responses.has(status)) found.push(`status ${status} is not documented (documented: ${[...operation.responses.keys()].join(', ')}; ${detailOf(response)})`);
    const allowed = operation.roles === 'public' || caller === 'admin' || (caller !== 'none' && caller !== 'unknown' && operation.roles.includes(caller));
    if (operation.roles !== 'public' && (caller === 'none' || caller === 'unknown')) {
      if (status !== 401) found.push(`${caller === 'none' ? 'no key' : 'an unknown key'} got ${status}, not 401`);
    } else if (!allowed) {
      if (status !== 403) found.push(`role ${caller} (not in x-roles ${JSON.stringify(operation.roles)}) got ${status}, not 403`);
    } else if (status === 401 || status === 403) {
      found.push(`role ${caller} may call it (x-roles ${JSON.stringify(operation.roles)}) but got ${status} (${detailOf(response)})`);
    }
    if (allowed && mustRefuse && status < 400) found.push(`accepted (${status}) a request the document forbids`);
    return found;
  }

  private bodyViolations(operation: Operation, response: Exchange): string[] {
    const documented = operation.responses.get(response.status);
    if (!documented) return [];
    const mediaTypes = Object.keys(documented.content);
    if (mediaTypes.length === 0) return response.text.length > 0 ? [`status ${response.status} documents no body but one came (${response.mediaType})`] : [];
    if (response.mediaType === undefined || !mediaTypes.includes(response.mediaType)) return [`status ${response.status} answered ${response.mediaType ?? 'no body'}, documented ${mediaTypes.join(' or ')}`];
    const schema = documented.content[response.mediaType] as Schema | undefined;
    if (!schema) return [];
    if (response.mediaType.endsWith('json') && schema['x-ndjson-line'] === undefined) {
      if (response.json === undefined) return [`status ${response.status}: the body is not JSON`];
      const errors = this.validator.errors(schema, response.json);
      return errors.length > 0 ? [`status ${response.status} body departs from its schema: ${errors.join('; ')}`] : [];
    }
    const line = schema['x-ndjson-line'] as Schema | undefined;
    if (line) {
      // NDJSON: every line one JSON value of the documented line schema, the last one terminated.
      if (response.text.length > 0 && !response.text.endsWith('\n')) return [`status ${response.status}: NDJSON not newline-terminated`];
      return response.text.split('\n').filter((l) => l.length > 0).flatMap((text, index) => {
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch {
          return [`status ${response.status}: NDJSON line ${index} is not JSON`];
        }
        return this.validator.errors(line, value).map((error) => `status ${response.status} NDJSON line ${index}: ${error}`);
      });
    }
    return this.validator.errors(schema, response.text).map((error) => `status ${response.status} text body: ${error}`);
  }

  /** Events a refused request stored: the head must not move, and no event may carry the request's correlation id. */
  private async storedBy(before: number, correlationId: string): Promise<string[]> {
    const head = await this.store.headPosition();
    if (head === before) return [];
    const events = await this.store.readAll({ after: before });
    const own = events.filter((event) => event.metadata.correlationId === correlationId);
    return [`the event store moved from ${before} to ${head} after a refusal (${own.length} of its ${events.length} events carry this request's correlation id: ${events.map((e) => e.type).join(', ')})`];
  }
}

/** A query value as the server reads it: text, a number where the schema wants one and the text is one. */
function onTheWire(schema: Schema, value: Json | undefined): Json | undefined {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if ((schema.type === 'integer' || schema.type === 'number') && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (schema.type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

function authHeaders(caller: Caller, scheme: 'bearer' | 'x-api-key', keys: Readonly<Record<Role, string>>): Record<string, string> {
  if (caller === 'none') return {};
  const key = caller === 'unknown' ? 'chr_unknown_0123456789abcdef0123456789' : keys[caller];
  return scheme === 'bearer' ? { Authorization: `Bearer ${key}` } : { 'X-API-Key': key };
}

function detailOf(response: Exchange): string {
  const body = response.json as { detail?: unknown; errors?: unknown } | undefined;
  return body?.detail !== undefined ? `${String(body.detail)}${body.errors ? ` ${JSON.stringify(body.errors).slice(0, 200)}` : ''}` : response.text.slice(0, 200);
}

function pathValue(template: string, path: string, name: string): string {
  const parts = template.split('/');
  const index = parts.indexOf(`{${name}}`);
  return path.split('/')[index] ?? '';
}

export type { Json };
