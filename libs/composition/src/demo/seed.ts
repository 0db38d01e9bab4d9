// Loads demo data through the public HTTP API, as an internal service would: registrations, then
// each customer's interactions in batches and ticket lifecycles, several customers at a time.
import { SingleBar, Presets } from 'cli-progress';
import { demoCustomer, randomSource } from './demo-data';

export interface SeedOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly customers: number;
  readonly seed: number;
  readonly concurrency: number;
  readonly progress: boolean;
}

export interface SeedResult {
  readonly customers: number;
  readonly interactions: number;
  readonly ticketCommands: number;
  readonly failures: readonly string[];
  readonly seconds: number;
}

async function post(options: SeedOptions, path: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(options.url + path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${options.apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

export async function seed(options: SeedOptions): Promise<SeedResult> {
  const started = Date.now();
  const random = randomSource(options.seed);
  const now = new Date();
  const customers = Array.from({ length: options.customers }, (_, i) => demoCustomer(i + 1, random, now));
  const bar = options.progress ? new SingleBar({ format: 'seeding {bar} {value}/{total} customers | {interactions} interactions', hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(customers.length, 0, { interactions: 0 });
  const failures: string[] = [];
  let interactions = 0;
  let ticketCommands = 0;
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (next < customers.length) {
      const customer = customers[next++];
      const registered = await post(options, '/v1/customers', customer.register);
      if (registered.status !== 201) {
        failures.push(`register ${String(customer.register.customerId)}: ${registered.status} ${JSON.stringify(registered.body)}`);
        continue;
      }
      for (const consent of customer.consents) {
        const given = await post(options, `/v1/customers/${String(customer.register.customerId)}/consents`, consent);
        if (given.status >= 300) failures.push(`consent of ${String(customer.register.customerId)}: ${given.status} ${JSON.stringify(given.body)}`);
      }
      if (customer.interactions.length > 0) {
        const batch = await post(options, '/v1/interactions/batch', { items: customer.interactions });
        const results = (batch.body as { results?: { status: number; problem?: unknown }[] })?.results ?? [];
        if (batch.status !== 200) failures.push(`batch: ${batch.status} ${JSON.stringify(batch.body)}`);
        results.forEach((r, i) => (r.status === 201 ? interactions++ : failures.push(`item ${i} of ${String(customer.register.customerId)}: ${JSON.stringify(r.problem)}`)));
      }
      for (const [path, body] of customer.tickets) {
        const result = await post(options, path, body);
        if (result.status >= 300) failures.push(`${path}: ${result.status} ${JSON.stringify(result.body)}`);
        else ticketCommands++;
      }
      done++;
      bar?.update(done, { interactions });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  bar?.stop();
  return { customers: done, interactions, ticketCommands, failures, seconds: (Date.now() - started) / 1000 };
}
