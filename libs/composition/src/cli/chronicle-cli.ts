// The `chronicle` command line: seed demo data, manage API keys, rebuild, verify and replay read models, verify the log.
import { Command, InvalidArgumentError } from 'commander';
import { ApiKeyRegistry, apiKeysFilePath, loadConfig, ROLES, type Role } from '@app/platform';
import { systemClock } from '@app/event-sourcing';
import type { EventStore } from '@app/event-store';
import type { ReadStore } from '@app/read-store';
import { join } from 'node:path';
import { openEventStore, openPhysicalReadStore, openStoredEventStore } from '../engines';
import { seed } from '../demo/seed';
import { blueGreenRebuild, dropInactiveGenerations, listGenerations } from './rebuild';
import { describeLogVerification, describeProjectionVerification, verifyLog, verifyProjections, type CliOutput } from './verify';
import { replayRange } from './replay';
import { chronicleProjections } from '../read-models';

const position = (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a global position (a whole number from 1)');
  return n;
};

/** Progress bars on a terminal, plain lines otherwise (CI logs, tests). */
function cliOutput(): CliOutput {
  return { tty: process.stdout.isTTY === true, line: (text) => process.stdout.write(`${text}\n`) };
}

/**
 * Events per read-store write in rebuilds and replays: a document touched many times in a batch is
 * written once, so larger batches cost fewer writes (measured: 10,000 rebuilds ~3× faster than 1,000).
 */
const REPLAY_BATCH = 10_000;

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
    .option('--blue-green', 'build beside the live models and switch atomically (what rebuild always does; accepted for explicitness)')
    .option('--fresh', 'discard an unfinished rebuild and start a new generation from position 0')
    .option('--batch-size <n>', 'events per read-store write (larger batches merge more writes to the same document)', positiveInt, REPLAY_BATCH)
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

  const verify = program.command('verify').description('Check the event log against its hash chains, or the read models against a rebuild; exits 1 on any finding');
  verify
    .command('log')
    .description('Walk the stream chains and the global chain of the event store; report the first broken link (stream, revision, position)')
    .action(async () => {
      const config = loadConfig();
      // The chains are over events as stored: no decoding needed, and none wanted.
      const events = openStoredEventStore(config);
      try {
        const result = await verifyLog(events, cliOutput());
        (result.ok ? process.stdout : process.stderr).write(`${describeLogVerification(result)}\n`);
        if (!result.ok) process.exitCode = 1;
      } finally {
        await events.close();
      }
    });
  verify
    .command('projections')
    .description(
      'Rebuild every read model into a shadow generation (never made live) up to the live checkpoint and compare it with the live one, ' +
        'document by document; list every difference. The shadow is dropped afterwards.',
    )
    .option('--batch-size <n>', 'events per read-store write (larger batches merge more writes to the same document)', positiveInt, REPLAY_BATCH)
    .action(async (opts: { batchSize: number }) => {
      await withStores(async (events, reads) => {
        const result = await verifyProjections(events, reads, cliOutput(), { batchSize: opts.batchSize });
        (result.differences.length === 0 ? process.stdout : process.stderr).write(`${describeProjectionVerification(result)}\n`);
        if (result.differences.length > 0) process.exitCode = 1;
      });
    });

  program
    .command('replay')
    .description(
      'Run the events at positions --from..--to (inclusive) through one projection, from empty documents, into a SQLite file of its own ' +
        '(never the live read models), and report what it holds',
    )
    .requiredOption('--from <position>', 'first global position replayed', position)
    .requiredOption('--to <position>', 'last global position replayed', position)
    .requiredOption('--projection <name>', `one of ${chronicleProjections.map((p) => p.name).join(', ')}`)
    .option('--target <file>', 'SQLite file to write (default: <DATA_DIR>/replays/<projection>-<from>-<to>.sqlite)')
    .option('--replace', 'overwrite the target file if it exists')
    .option('--batch-size <n>', 'events per read-store write (larger batches merge more writes to the same document)', positiveInt, REPLAY_BATCH)
    .action(async (opts: { from: number; to: number; projection: string; target?: string; replace?: boolean; batchSize: number }) => {
      const config = loadConfig();
      const events = openEventStore(config);
      try {
        const target = opts.target ?? join(config.DATA_DIR, 'replays', `${opts.projection}-${opts.from}-${opts.to}.sqlite`);
        const result = await replayRange(events, { from: opts.from, to: opts.to, projection: opts.projection, target, replace: opts.replace === true, batchSize: opts.batchSize }, cliOutput());
        const documents = Object.entries(result.documents).map(([collection, count]) => `${collection}: ${count}`).join(', ');
        process.stdout.write(
          `Replayed ${result.events} events (positions ${opts.from}..${result.position}) through ${result.projection} in ${result.seconds.toFixed(1)} s into ${result.target}; documents: ${documents}\n`,
        );
      } finally {
        await events.close();
      }
    });

  return program;
}

/** Opens the configured event store and physical read store for one command, and closes both after. */
async function withStores(work: (events: EventStore, reads: ReadStore) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const events = openEventStore(config);
  try {
    await withReadStore((reads) => work(events, reads), config);
  } finally {
    await events.close();
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
