// The `chronicle` command line: seed demo data, manage API keys, rebuild read models.
import { Command, InvalidArgumentError } from 'commander';
import { ApiKeyRegistry, apiKeysFilePath, loadConfig, ROLES, type ChronicleConfig, type Role } from '@app/platform';
import { systemClock } from '@app/event-sourcing';
import { claimReadModels } from '../data-dir-claims';
import { openEventStore, openReadStore } from '../engines';
import { seed } from '../demo/seed';
import { rebuildReadModels } from './rebuild';

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
};

export function chronicleCli(): Command {
  const program = new Command('chronicle').description('Chronicle command line. Engines and data folder come from the same environment variables as the server.');

  program
    .command('seed')
    .description('Load realistic demo data through the public HTTP API')
    .option('--url <url>', 'Chronicle base URL', process.env.CHRONICLE_URL ?? 'http://127.0.0.1:3000')
    .option('--key <key>', 'API key with the ingest (or admin) role', process.env.CHRONICLE_INGEST_KEY ?? process.env.CHRONICLE_ADMIN_KEY)
    .option('--customers <n>', 'customers to create', positiveInt, 300)
    .option('--seed <n>', 'random seed (same seed, same data)', positiveInt, 42)
    .option('--concurrency <n>', 'customers loaded in parallel', positiveInt, 8)
    .action(async (opts: { url: string; key?: string; customers: number; seed: number; concurrency: number }) => {
      if (!opts.key) throw new InvalidArgumentError('an API key is needed: --key or CHRONICLE_INGEST_KEY');
      const result = await seed({ url: opts.url, apiKey: opts.key, customers: opts.customers, seed: opts.seed, concurrency: opts.concurrency, progress: process.stdout.isTTY === true });
      process.stdout.write(`Seeded ${result.customers} customers, ${result.interactions} interactions, ${result.ticketCommands} ticket commands in ${result.seconds.toFixed(1)} s\n`);
      if (result.failures.length > 0) {
        process.stderr.write(`${result.failures.length} requests failed; first ones:\n  ${result.failures.slice(0, 5).join('\n  ')}\n`);
        process.exitCode = 1;
      }
    });

  const keys = program.command('keys').description('API keys (hashed at rest in the key file)');
  keys
    .command('create')
    .description('Create a key and print it once')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--label <label>', 'a name to recognise the key by')
    .action((opts: { role: string; label?: string }) => {
      if (!(ROLES as readonly string[]).includes(opts.role)) throw new InvalidArgumentError(`--role must be one of ${ROLES.join(', ')}`);
      const config = loadConfig();
      const key = ApiKeyRegistry.addToFile(apiKeysFilePath(config), opts.role as Role, opts.label ?? `${opts.role}-cli`, systemClock.now());
      process.stdout.write(`${key}\n`);
    });

  program
    .command('rebuild')
    .description('Rebuild every read model from the event log (stop the projector first)')
    .action(async () => {
      const result = await rebuildCommand(loadConfig());
      process.stdout.write(`Rebuilt from ${result.events} events (up to position ${result.position}) in ${result.seconds.toFixed(1)} s\n`);
    });

  return program;
}

/**
 * `chronicle rebuild`: takes the read-model writer's claim first, so it is refused (naming the
 * projector that holds it) instead of clearing read models a running projector is writing.
 */
export async function rebuildCommand(config: ChronicleConfig, options: { progress?: boolean } = {}): Promise<Awaited<ReturnType<typeof rebuildReadModels>>> {
  const claims = claimReadModels(config, 'chronicle rebuild');
  try {
    const events = openEventStore(config);
    const reads = await openReadStore(config);
    try {
      return await rebuildReadModels(events, reads, { progress: options.progress ?? process.stdout.isTTY === true });
    } finally {
      await events.close();
      await reads.close();
    }
  } finally {
    claims.release();
  }
}
