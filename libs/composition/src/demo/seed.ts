// Loads demo data through the public HTTP API, as an internal service would: registrations in
// batches (POST /v1/customers/batch), interactions in batches of whole customers, email opens and
// clicks one request each, then each customer's ticket lifecycle. Every request carries an Idempotency-Key derived from the seed and
// what it loads, and the data is a pure function of (seed, anchor), so running the same seed again
// is a no-op answered with replays, and an interrupted run completes when run again.
import { Presets, SingleBar } from 'cli-progress';
import { demoCustomer, randomSource, type DemoCustomer } from './demo-data';

export interface SeedOptions {
  /** Base URL of a Chronicle command API, e.g. http://127.0.0.1:3000 (a path prefix is kept). */
  readonly url: string;
  readonly apiKey: string;
  readonly customers: number;
  readonly seed: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** Most items per batch request (at most the server's MAX_BATCH_SIZE); 200 by default. */
  readonly batchSize?: number;
  /** The instant the demo history ends at (the same anchor gives the same data); the start of today (UTC) by default. */
  readonly anchor?: Date;
  readonly progress: boolean;
}

export interface SeedCounts {
  readonly customers: number;
  readonly interactions: number;
  readonly ticketCommands: number;
}

export interface SeedResult {
  /** What the API recorded, replays included. */
  readonly recorded: SeedCounts;
  /** Of those, what an earlier run had recorded already (answered `replayed: true`). */
  readonly replayed: SeedCounts;
  /** Requests whose Idempotency-Key an earlier run used for other data (another --anchor): nothing written. */
  readonly loadedByEarlierRun: number;
  readonly failures: readonly string[];
  readonly seconds: number;
}

/** The run cannot go on (server unreachable, key refused, batch too large): no point in more requests. */
export class SeedAborted extends Error {}

/** The start of the current UTC day: runs on the same day load the same data. */
export function defaultAnchor(now: Date = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

interface Answer {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of several shapes
  readonly body: any;
}

async function post(options: SeedOptions, path: string, body: unknown, idempotencyKey: string): Promise<Answer> {
  const url = options.url.replace(/\/+$/, '') + path;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${options.apiKey}`, 'Content-Type': 'application/json', 'Idempotency-Key': idempotencyKey },
      body: JSON.stringify(body),
    });
  } catch (error) {
    // fetch says only "fetch failed"; the reason is in its cause.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new SeedAborted(`Cannot reach Chronicle at ${options.url} (${cause?.code ?? cause?.message ?? String(error)}): is it running there? Give its address with --url or CHRONICLE_URL.`);
  }
  const answer: Answer = { status: response.status, body: await response.json().catch(() => undefined) };
  if (answer.status === 401 || answer.status === 403) throw new SeedAborted(`The API key was refused (${answer.status}: ${answer.body?.detail ?? 'no detail'}); seeding needs an ingest or admin key.`);
  const batchLimit = answer.status === 400 && answer.body?.errors?.find((e: { field?: string }) => e.field === 'items');
  if (batchLimit) throw new SeedAborted(`The server refused the batch size: ${batchLimit.message}. Give a smaller --batch-size.`);
  return answer;
}

/** A 409 for an Idempotency-Key an earlier run used for other data: that part is loaded already. */
function loadedEarlier(answer: Answer): boolean {
  return answer.status === 409 && answer.body?.errors?.some((e: { field?: string }) => e.field === 'Idempotency-Key') === true;
}

async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * Opens and clicks carry no id of their own: their event ids come from the request's Idempotency-Key
 * (and the item's place in a batch). In batches, another --customers or --batch-size would cut them
 * into other requests and record them again; one request each, keyed by customer and order, they
 * replay whatever the cut.
 */
const ENGAGEMENT_PATHS: Readonly<Record<string, string>> = { 'email-opened': '/v1/interactions/emails/opened', 'email-clicked': '/v1/interactions/emails/clicked' };
const isEngagement = (item: Record<string, unknown>): boolean => typeof item['type'] === 'string' && ENGAGEMENT_PATHS[item['type']] !== undefined;
const batchedInteractions = (customer: DemoCustomer) => customer.interactions.filter((item) => !isEngagement(item));
const engagements = (customer: DemoCustomer) => customer.interactions.filter(isEngagement);

/** Consecutive customers whose interactions (with an id of their own) fit one batch (a customer with more is sent alone, in parts). */
function interactionBatches(customers: readonly DemoCustomer[], batchSize: number): { key: string; parts: Record<string, unknown>[][] }[] {
  const batches: { key: string; parts: Record<string, unknown>[][] }[] = [];
  let group: DemoCustomer[] = [];
  const close = () => {
    if (group.length === 0) return;
    const items = group.flatMap(batchedInteractions);
    const parts: Record<string, unknown>[][] = [];
    for (let i = 0; i < items.length; i += batchSize) parts.push(items.slice(i, i + batchSize));
    batches.push({ key: `${String(group[0]?.register.customerId)}..${String(group[group.length - 1]?.register.customerId)}`, parts });
    group = [];
  };
  let size = 0;
  for (const customer of customers) {
    const count = batchedInteractions(customer).length;
    if (count === 0) continue;
    if (size + count > batchSize) {
      close();
      size = 0;
    }
    group.push(customer);
    size += count;
  }
  close();
  return batches;
}

export async function seed(given: SeedOptions): Promise<SeedResult> {
  const options = { ...given, batchSize: given.batchSize ?? 200, anchor: given.anchor ?? defaultAnchor() };
  const started = Date.now();
  const random = randomSource(options.seed);
  const customers = Array.from({ length: options.customers }, (_, i) => demoCustomer(i + 1, random, options.anchor));
  const namespace = `chronicle-seed:${options.seed}`;
  const recorded = { customers: 0, interactions: 0, ticketCommands: 0 };
  const replayed = { customers: 0, interactions: 0, ticketCommands: 0 };
  let loadedByEarlierRun = 0;
  const failures: string[] = [];

  const registrations: DemoCustomer[][] = [];
  for (let i = 0; i < customers.length; i += options.batchSize) registrations.push(customers.slice(i, i + options.batchSize));
  const interactions = interactionBatches(customers, options.batchSize);
  const total =
    registrations.length +
    customers.reduce((sum, customer) => sum + customer.consents.length, 0) +
    interactions.reduce((sum, batch) => sum + batch.parts.length, 0) +
    customers.reduce((sum, customer) => sum + engagements(customer).length, 0) +
    customers.reduce((sum, customer) => sum + customer.tickets.length, 0);
  const bar = options.progress ? new SingleBar({ format: 'seeding {bar} {value}/{total} requests', hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(total, 0);
  let done = 0;
  const step = () => bar?.update(++done);

  /** Counts a batch answer's per-item results into `kind`. */
  const countBatch = (answer: Answer, kind: keyof SeedCounts, what: string) => {
    if (loadedEarlier(answer)) return void loadedByEarlierRun++;
    if (answer.status !== 200) return void failures.push(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
    for (const result of answer.body.results as { index: number; status: number; outcome?: { replayed?: boolean }; problem?: unknown }[]) {
      if (result.status === 201) {
        recorded[kind]++;
        if (result.outcome?.replayed) replayed[kind]++;
      } else {
        failures.push(`${what}, item ${result.index}: ${JSON.stringify(result.problem)}`);
      }
    }
  };

  try {
    const registered = new Set<unknown>();
    await inParallel(registrations, options.concurrency, async (chunk) => {
      const first = String(chunk[0]?.register.customerId);
      const last = String(chunk[chunk.length - 1]?.register.customerId);
      const answer = await post(options, '/v1/customers/batch', { items: chunk.map((customer) => customer.register) }, `${namespace}:customers:${first}..${last}`);
      countBatch(answer, 'customers', `register ${first}..${last}`);
      if (answer.status === 200 || loadedEarlier(answer)) {
        chunk.forEach((customer, index) => {
          const status = answer.status === 200 ? answer.body.results[index]?.status : 201;
          if (status === 201) registered.add(customer.register.customerId);
        });
      }
      step();
    });
    const ready = (customer: DemoCustomer) => registered.has(customer.register.customerId);

    // Consents before interactions: marketing segments and profiling figures depend on them.
    await inParallel(customers.filter(ready), options.concurrency, async (customer) => {
      for (const [n, consent] of customer.consents.entries()) {
        const id = String(customer.register.customerId);
        const answer = await post(options, `/v1/customers/${id}/consents`, consent, `${namespace}:consents:${id}:${n}`);
        if (loadedEarlier(answer)) loadedByEarlierRun++;
        else if (answer.status >= 300) failures.push(`consent ${n} of ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
        step();
      }
    });

    await inParallel(interactions, options.concurrency, async (batch) => {
      for (const [part, items] of batch.parts.entries()) {
        const mine = items.filter((item) => registered.has(item.customerId));
        // The part's bounds in the key: another --batch-size cuts a customer's interactions otherwise, and
        // must not meet the key of a part that held other items (a 409 that would skip them).
        const from = batch.parts.slice(0, part).reduce((sum, earlier) => sum + earlier.length, 0);
        const key = `${namespace}:interactions:${batch.key}:${from}+${items.length}`;
        if (mine.length > 0) countBatch(await post(options, '/v1/interactions/batch', { items: mine }, key), 'interactions', `interactions ${batch.key}`);
        step();
      }
    });

    // After every batch: an open or a click follows its email.
    await inParallel(customers.filter(ready), options.concurrency, async (customer) => {
      const id = String(customer.register.customerId);
      for (const [n, { type, ...body }] of engagements(customer).entries()) {
        const answer = await post(options, ENGAGEMENT_PATHS[String(type)] as string, body, `${namespace}:engagement:${id}:${n}`);
        if (loadedEarlier(answer)) loadedByEarlierRun++;
        else if (answer.status >= 300) failures.push(`${String(type)} ${n} of ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
        else {
          recorded.interactions++;
          if (answer.body?.replayed) replayed.interactions++;
        }
        step();
      }
    });

    await inParallel(customers.filter(ready), options.concurrency, async (customer) => {
      for (const [n, [path, body]] of customer.tickets.entries()) {
        const answer = await post(options, path, body, `${namespace}:tickets:${String(customer.register.customerId)}:${n}`);
        if (loadedEarlier(answer)) loadedByEarlierRun++;
        else if (answer.status >= 300) failures.push(`${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
        else {
          recorded.ticketCommands++;
          if (answer.body?.replayed) replayed.ticketCommands++;
        }
        step();
      }
    });
  } finally {
    bar?.stop();
  }
  return { recorded, replayed, loadedByEarlierRun, failures, seconds: (Date.now() - started) / 1000 };
}
