// The `chronicle` command line: seed demo data, manage API keys, rebuild read models, rotate the master key.
import { Command, InvalidArgumentError } from 'commander';
import { ApiKeyRegistry, apiKeysFilePath, loadConfig, ROLES, type Role } from '@app/platform';
import { systemClock } from '@app/event-sourcing';
import type { EventStore } from '@app/event-store';
import type { ReadStore } from '@app/read-store';
import { MasterKeyRing } from '@app/key-store';
import { openEventStore, openKeyStore, openPhysicalReadStore, openStoredEventStore } from '../engines';
import { ERASURE_EVENT_TYPE } from '../personal-data';
import { seed } from '../demo/seed';
import { blueGreenRebuild, dropInactiveGenerations, listGenerations } from './rebuild';

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

  const rebuild = program
    .command('rebuild')
    .description(
      'Rebuild every read model from the event log into a new generation beside the live one (which keeps serving), ' +
        'then make it live in one atomic switch. Safe to kill: run it again to resume. The old generation stays until `rebuild drop`.',
    )
    .option('--fresh', 'discard an unfinished rebuild and start a new generation from position 0')
    .option('--batch-size <n>', 'events per read-store write', positiveInt, 1000)
    .action(async (opts: { fresh?: boolean; batchSize: number }) => {
      await withStores(async (events, reads) => {
        const tty = process.stdout.isTTY === true;
        const result = await blueGreenRebuild(events, reads, {
          fresh: opts.fresh === true,
          batchSize: opts.batchSize,
          progress: tty,
          ...(tty ? {} : { onProgress: (line: string) => process.stdout.write(`${line}\n`) }),
        });
        process.stdout.write(
          `${result.resumed ? 'Resumed and finished' : 'Built'} generation ${result.generation} from ${result.events} events (up to position ${result.position}) ` +
            `in ${result.seconds.toFixed(1)} s; it is live now (was generation ${result.previous}, kept until \`chronicle rebuild drop\`).\n`,
        );
      });
    });
  rebuild
    .command('status')
    .description('List the read-model generations, their checkpoints, and which one is live')
    .action(async () => {
      await withReadStore(async (reads) => {
        for (const g of await listGenerations(reads)) {
          process.stdout.write(`generation ${g.generation}${g.active ? ' (live)' : ''}: checkpoint ${g.position}\n`);
        }
      });
    });
  rebuild
    .command('drop')
    .description('Remove every read-model generation but the live one')
    .action(async () => {
      await withReadStore(async (reads) => {
        const dropped = await dropInactiveGenerations(reads);
        process.stdout.write(dropped.length === 0 ? 'Nothing to drop: only the live generation exists.\n' : `Dropped generation ${dropped.join(', ')}.\n`);
      });
    });

  const masterKey = program.command('master-key').description('The master key that wraps every customer data key (see README, "Personal data")');
  masterKey
    .command('generate')
    .description('Print a new random master key (base64 of 32 bytes), for MASTER_KEY or a MASTER_KEY_FILE line')
    .action(() => {
      process.stdout.write(`${MasterKeyRing.generate()}\n`);
    });

  const dataKeys = program.command('data-keys').description('Customer data keys in the key store (KEY_STORE)');
  dataKeys
    .command('rewrap')
    .description(
      'Re-wrap every live data key with the current master key (the first of MASTER_KEY / MASTER_KEY_FILE): the rotation step ' +
        'between putting a new master key first and removing the old one',
    )
    .action(async () => {
      const keys = await openKeyStore(loadConfig());
      try {
        const count = await keys.rewrap();
        process.stdout.write(`Re-wrapped ${count} data key${count === 1 ? '' : 's'} with the current master key.\n`);
      } finally {
        await keys.close();
      }
    });

  dataKeys
    .command('reapply-erasures')
    .description(
      'Destroy again the data key of every customer whose CustomerForgotten is in the log: after restoring a backup of the key store ' +
        'taken before some forgets',
    )
    .action(async () => {
      const config = loadConfig();
      const keys = await openKeyStore(config);
      const events = openStoredEventStore(config);
      try {
        let count = 0;
        for (let after = 0; ; ) {
          const batch = await events.readAll({ after, maxCount: 1000 });
          if (batch.length === 0) break;
          after = batch[batch.length - 1].position;
          for (const event of batch.filter((e) => e.type === ERASURE_EVENT_TYPE)) {
            const at = new Date().toISOString();
            const erasure = await keys.destroy(event.metadata.customerId, { reason: 'reapplied after a key-store restore', requestedAt: at, context: { actor: { type: 'system', id: 'chronicle-cli' } } }, at);
            // The event is in the log already: nothing is left to finish.
            if (erasure.completedAt === null) await keys.completeErasure(event.metadata.customerId, at);
            count += 1;
          }
        }
        process.stdout.write(`Destroyed the data keys of ${count} forgotten customer${count === 1 ? '' : 's'} (again where a restore brought them back).\n`);
      } finally {
        await events.close();
        await keys.close();
      }
    });

  return program;
}

/** Opens the configured event store (reading through the key store) and physical read store for one command, and closes them after. */
async function withStores(work: (events: EventStore, reads: ReadStore) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const keys = await openKeyStore(config);
  const events = openEventStore(config, keys);
  try {
    await withReadStore((reads) => work(events, reads), config);
  } finally {
    await events.close();
    await keys.close();
  }
}

async function withReadStore(work: (reads: ReadStore) => Promise<void>, config = loadConfig()): Promise<void> {
  const reads = await openPhysicalReadStore(config);
  try {
    await work(reads);
  } finally {
    await reads.close();
  }
}
