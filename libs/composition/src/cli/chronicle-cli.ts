// The `chronicle` command line: seed demo data, manage API keys, rebuild, verify and replay read models, verify the log, rotate the master key.
import { Command, InvalidArgumentError } from 'commander';
import { ApiKeyRegistry, apiKeyLabelFault, ConfigError, apiKeysFilePath, CALENDAR_DAY_PATTERN, describeSetting, isCalendarDay, isInstant, loadConfig, ROLES, StartupError, type ChronicleConfig, type Role } from '@app/platform';
import { systemClock } from '@app/event-sourcing';
import type { EventStore } from '@app/event-store';
import type { ReadStore } from '@app/read-store';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MasterKeyRing } from '@app/key-store';
import { openEventStore, openKeyStore, openPhysicalReadStore, openStoredEventStore } from '../engines';
import { ERASURE_EVENT_TYPE } from '../personal-data';
import { defaultAnchor, seed } from '../demo/seed';
import { blueGreenRebuild, dropInactiveGenerations, listGenerations } from './rebuild';
import { withRebuildLease } from './rebuild-lease';
import { EventStoreLeaseStore } from '@app/transport';
import { describeLogVerification, describeProjectionVerification, verifyLog, verifyProjections, type CliOutput } from './verify';
import { replayRange } from './replay';
import { chronicleProjections } from '../read-models';
import { REPLAYS_FOLDER } from '../embedded-projection';

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

const httpUrl = (value: string) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be an http(s) URL such as http://127.0.0.1:3000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('must be an http(s) URL such as http://127.0.0.1:3000');
  return value.replace(/\/+$/, '');
};

/**
 * A UTC calendar day (`2026-11-30`, its midnight UTC) or an instant with its offset, as the API takes
 * instants, not in the future. A local time would be read in this machine's zone, and Date rolls a
 * day that does not exist (30 February) over into the next month: both are refused.
 */
export const pastInstant = (value: string): Date => {
  const day = CALENDAR_DAY_PATTERN.test(value);
  if (day ? !isCalendarDay(value) : !isInstant(value)) {
    throw new InvalidArgumentError('must be a UTC date (e.g. 2026-11-30) or an ISO-8601 date and time with its offset or Z (e.g. 2026-11-30T10:00:00Z)');
  }
  const at = new Date(day ? `${value}T00:00:00Z` : value);
  if (at.getTime() > Date.now()) throw new InvalidArgumentError('must not lie in the future');
  return at;
};

/**
 * Where the server of this environment listens: CHRONICLE_URL, else HOST and PORT as the server reads
 * them (a wildcard HOST is reached on the loopback).
 */
export function chronicleUrl(env: Record<string, string | undefined>): string {
  if (env.CHRONICLE_URL) return httpUrl(env.CHRONICLE_URL);
  const host = env.HOST === undefined || env.HOST === '' || env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST === '::' ? '::1' : env.HOST;
  const port = env.PORT === undefined || env.PORT === '' ? '3000' : env.PORT;
  return httpUrl(`http://${host.includes(':') ? `[${host}]` : host}:${port}`);
}

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
};

/**
 * An option's parser that refuses the option given twice (commander keeps the last: `--role analyst
 * --role admin` made an admin key), then parses the value as `parse` says.
 */
function once<T = string>(flag: string, parse?: (value: string) => T): (value: string, previous: unknown) => T {
  let given = false;
  return (value) => {
    if (given) throw new InvalidArgumentError(`${flag} is given more than once`);
    given = true;
    return parse ? parse(value) : (value as unknown as T);
  };
}

/**
 * `once` for a secret (an API key): commander's refusal of a parsed value quotes the value, which
 * would print the key in a terminal or CI log; the second one is noted instead, and the command's
 * action refuses it (assertGivenOnce) in words that name only the option.
 */
function secretOnce(flag: string): { parse: (value: string, previous: unknown) => string; assertGivenOnce: () => void } {
  let given = 0;
  let first = '';
  return {
    parse: (value) => {
      given += 1;
      if (given === 1) first = value;
      return first;
    },
    assertGivenOnce: () => {
      if (given > 1) throw new InvalidArgumentError(`${flag} is given more than once (its values are not shown: it is a secret)`);
    },
  };
}

export function chronicleCli(): Command {
  const program = new Command('chronicle').description('Chronicle command line. Engines and data folder come from the same environment variables as the server.');
  const seedKey = secretOnce('--key');

  program
    .command('seed')
    .description(
      'Load realistic demo data through the public HTTP API. Every request carries an Idempotency-Key and the data depends only on --seed and ' +
        '--anchor, so running it again with the same ones changes nothing (answers are replays) and completes an interrupted run.',
    )
    .option('--url <url>', 'Chronicle base URL (default: CHRONICLE_URL, else http://HOST:PORT from the same variables as the server)', once('--url', httpUrl))
    // No default value here: commander prints defaults in --help, and this one is a secret.
    .option('--key <key>', 'API key with the ingest (or admin) role (default: CHRONICLE_INGEST_KEY, else CHRONICLE_ADMIN_KEY)', seedKey.parse)
    .option('--customers <n>', 'customers to create', once('--customers', positiveInt), 300)
    .option('--seed <n>', 'random seed (same seed, same data)', once('--seed', positiveInt), 42)
    .option('--anchor <date>', 'when the demo history ends: a UTC date (2026-11-30) or an instant with its offset (2026-11-30T10:00:00Z), not in the future; default: the start of today, UTC', once('--anchor', pastInstant))
    .option('--batch-size <n>', 'items per batch request (at most the server\'s MAX_BATCH_SIZE)', once('--batch-size', positiveInt), 200)
    .option('--concurrency <n>', 'requests in flight at once', once('--concurrency', positiveInt), 8)
    .action(async (opts: { url?: string; key?: string; customers: number; seed: number; anchor?: Date; batchSize: number; concurrency: number }) => {
      seedKey.assertGivenOnce();
      const apiKey = opts.key ?? process.env.CHRONICLE_INGEST_KEY ?? process.env.CHRONICLE_ADMIN_KEY;
      if (!apiKey) throw new InvalidArgumentError('an API key is needed: --key or CHRONICLE_INGEST_KEY');
      const url = opts.url ?? chronicleUrl(process.env);
      const anchor = opts.anchor ?? defaultAnchor();
      const result = await seed({
        url, apiKey, customers: opts.customers, seed: opts.seed, anchor, batchSize: opts.batchSize, concurrency: opts.concurrency, progress: process.stdout.isTTY === true,
      });
      const { recorded, replayed } = result;
      const counted = (kind: keyof typeof recorded, noun: string) => `${recorded[kind]} ${noun}${replayed[kind] > 0 ? ` (${replayed[kind]} already there)` : ''}`;
      process.stdout.write(
        `Seeded ${url} (seed ${opts.seed}, anchor ${anchor.toISOString()}): ${counted('customers', 'customers')}, ${counted('interactions', 'interactions')}, ` +
          `${counted('ticketCommands', 'ticket commands')} in ${result.seconds.toFixed(1)} s\n`,
      );
      if (result.loadedByEarlierRun > 0) {
        process.stdout.write(`${result.loadedByEarlierRun} requests were loaded by an earlier run with another --anchor (nothing written); give its --anchor to replay them.\n`);
      }
      if (result.failures.length > 0) {
        process.stderr.write(`${result.failures.length} items failed; first ones:\n  ${result.failures.slice(0, 5).join('\n  ')}\n`);
        process.exitCode = 1;
      }
    });

  const keys = program.command('keys').description('API keys (hashed at rest in the key file)');
  keys
    .command('create')
    .description('Create a key and print it once')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`, once('--role'))
    .option('--label <label>', 'a name to recognise the key by (the agent\'s name in the console and in the audit trail)', once('--label'))
    .action((opts: { role: string; label?: string }) => {
      if (!(ROLES as readonly string[]).includes(opts.role)) throw new InvalidArgumentError(`--role must be one of ${ROLES.join(', ')}`);
      const label = opts.label ?? `${opts.role}-cli`;
      const fault = apiKeyLabelFault(label);
      if (fault !== undefined) throw new InvalidArgumentError(`--label ${fault}`);
      const config = loadConfig();
      const file = apiKeysFilePath(config);
      // A mistyped DATA_DIR would get a key file no server reads: the folder must be there already.
      if (!existsSync(dirname(file))) throw new InvalidArgumentError(`${dirname(file)} does not exist (DATA_DIR or API_KEYS_FILE mistyped?); start the server once to create it`);
      const key = ApiKeyRegistry.addToFile(file, opts.role as Role, label, systemClock.now());
      process.stdout.write(`${key}\n`);
      process.stderr.write(`Added to ${file}.\n`);
      // Running servers read the key file again when it changes: the key works at once, no restart.
      if (config.API_KEYS !== undefined) {
        process.stderr.write(`Note: API_KEYS is set here; a server started with API_KEYS does not read ${apiKeysFilePath(config)}.\n`);
      }
    });

  keys
    .command('list')
    .description('List the keys of the key file: id, roles, label, when made (never a key or its hash)')
    .action(() => {
      const file = apiKeysFilePath(loadConfig());
      const listed = ApiKeyRegistry.listFile(file);
      if (listed.length === 0) process.stderr.write(`No keys in ${file}.\n`);
      for (const key of listed) process.stdout.write(`${key.id}  ${key.roles.join(',').padEnd(8)}  ${key.createdAt ?? '-'}  ${key.label}\n`);
    });
  keys
    .command('revoke <id>')
    .description('Remove a key (its id from `keys list`): running servers refuse it at once and its console sessions end; the last admin key is kept')
    .action((id: string) => {
      const file = apiKeysFilePath(loadConfig());
      try {
        const revoked = ApiKeyRegistry.revokeInFile(file, id);
        process.stdout.write(`Revoked ${revoked.id} (${revoked.roles.join(',')}, ${revoked.label}) in ${file}.\n`);
      } catch (error) {
        if (error instanceof ConfigError) throw new InvalidArgumentError(error.problems.join('; '));
        throw error;
      }
    });

  const rebuild = program
    .command('rebuild')
    .description(
      'Rebuild every read model from the event log into a new generation beside the live one (which keeps serving), ' +
        'then make it live in one atomic switch. Safe to kill: run it again to resume. The old generation stays until `rebuild drop`.',
    )
    .option('--blue-green', 'build beside the live models and switch atomically (what rebuild always does; accepted for explicitness)')
    .option('--fresh', 'discard an unfinished rebuild and start a new generation from position 0')
    .option('--batch-size <n>', 'events per read-store write (larger batches merge more writes to the same document)', once('--batch-size', positiveInt), REPLAY_BATCH)
    .action(async (opts: { fresh?: boolean; batchSize: number }) => {
      await withStores(async (events, reads, config) => {
        const tty = process.stdout.isTTY === true;
        const result = await withRebuildLease(new EventStoreLeaseStore(events), config.LEASE_TTL_MS, (stillHeld) =>
          blueGreenRebuild(events, reads, {
            currency: config.REPORTING_CURRENCY,
            fresh: opts.fresh === true,
            batchSize: opts.batchSize,
            progress: tty,
            ...(tty ? {} : { onProgress: (line: string) => process.stdout.write(`${line}\n`) }),
            beforeActivate: async (built) => {
              await stillHeld();
              // Fed by Kafka, the new generation's projector group starts near the position built up to.
              if (config.TRANSPORT === 'kafka') await startGenerationGroup(events, config, built);
            },
          }),
        );
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
      const config = loadExistingConfig();
      // Under the rebuild lease: a running rebuild's unfinished generation is not dropped from under it.
      const events = await openStoredEventStore(config);
      try {
        await withRebuildLease(new EventStoreLeaseStore(events), config.LEASE_TTL_MS, () =>
          withReadStore(async (reads) => {
            const dropped = await dropInactiveGenerations(reads);
            process.stdout.write(dropped.length === 0 ? 'Nothing to drop: only the live generation exists.\n' : `Dropped generation ${dropped.join(', ')}.\n`);
          }, config),
        );
      } finally {
        await events.close();
      }
    });

  const verify = program.command('verify').description('Check the event log against its hash chains, or the read models against a rebuild; exits 1 on any finding');
  verify
    .command('log')
    .description('Walk the stream chains and the global chain of the event store; report the first broken link (stream, revision, position)')
    .action(async () => {
      const config = loadExistingConfig();
      // The chains are over events as stored: no decoding needed, and none wanted.
      const events = await openStoredEventStore(config);
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
    .option('--batch-size <n>', 'events per read-store write (larger batches merge more writes to the same document)', once('--batch-size', positiveInt), REPLAY_BATCH)
    .action(async (opts: { batchSize: number }) => {
      await withStores(async (events, reads, config) => {
        // Under the rebuild lease: its shadow generation would look like an unfinished rebuild to one.
        const result = await withRebuildLease(new EventStoreLeaseStore(events), config.LEASE_TTL_MS, () =>
          verifyProjections(events, reads, cliOutput(), { batchSize: opts.batchSize, currency: config.REPORTING_CURRENCY }),
        );
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
    .requiredOption('--from <position>', 'first global position replayed', once('--from', position))
    .requiredOption('--to <position>', 'last global position replayed (at most the head of the event log: a --to beyond it is refused)', once('--to', position))
    .requiredOption('--projection <name>', `one of ${chronicleProjections('EUR').map((p) => p.name).join(', ')}`, once('--projection'))
    .option('--target <file>', 'SQLite file to write (default: <DATA_DIR>/replays/<projection>-<from>-<to>.sqlite)', once('--target'))
    .option('--replace', 'overwrite the target file if it exists')
    .option('--batch-size <n>', 'events per read-store write (larger batches merge more writes to the same document)', once('--batch-size', positiveInt), REPLAY_BATCH)
    .action(async (opts: { from: number; to: number; projection: string; target?: string; replace?: boolean; batchSize: number }) => {
      const config = loadExistingConfig();
      const keys = await openKeyStore(config);
      const events = await openEventStore(config, keys);
      try {
        const target = opts.target ?? join(config.DATA_DIR, REPLAYS_FOLDER, `${opts.projection}-${opts.from}-${opts.to}.sqlite`);
        const result = await replayRange(events, { from: opts.from, to: opts.to, projection: opts.projection, target, replace: opts.replace === true, batchSize: opts.batchSize, currency: config.REPORTING_CURRENCY }, cliOutput());
        const documents = Object.entries(result.documents).map(([collection, count]) => `${collection}: ${count}`).join(', ');
        process.stdout.write(
          `Replayed ${result.events} events (positions ${opts.from}..${result.position}) through ${result.projection} in ${result.seconds.toFixed(1)} s into ${result.target}; documents: ${documents}\n`,
        );
      } finally {
        await events.close();
        await keys.close();
      }
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
      const keys = await openKeyStore(loadExistingConfig());
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
      const config = loadExistingConfig();
      const keys = await openKeyStore(config);
      const events = await openStoredEventStore(config);
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

/**
 * The configuration of a command that works on stores already there (verify, rebuild, replay, the
 * key maintenance): a SQLite data folder without an event log is a mistyped DATA_DIR, not an empty log
 * to report verified (and a new one created there).
 */
function loadExistingConfig(): ChronicleConfig {
  const config = loadConfig();
  const log = join(config.DATA_DIR, 'events.sqlite');
  if (config.EVENT_STORE === 'sqlite' && !existsSync(log)) {
    throw new StartupError([describeSetting('DATA_DIR', config.DATA_DIR, `holds no event store (${log} does not exist): check the path, or start Chronicle on it first`)], 'Nothing to work on');
  }
  return config;
}

/** Opens the configured event store (reading through the key store) and physical read store for one command, and closes them after. */
async function withStores(work: (events: EventStore, reads: ReadStore, config: ChronicleConfig) => Promise<void>): Promise<void> {
  const config = loadExistingConfig();
  const keys = await openKeyStore(config);
  const events = await openEventStore(config, keys);
  try {
    await withReadStore((reads) => work(events, reads, config), config);
  } finally {
    await events.close();
    await keys.close();
  }
}

async function withReadStore(work: (reads: ReadStore) => Promise<void>, config = loadExistingConfig()): Promise<void> {
  // Rebuilds and verifications write batch after batch: on a write thread, the next is read and
  // projected meanwhile (bench/README.md, "The projector pipelined").
  const reads = await openPhysicalReadStore(config, { writes: 'thread' });
  try {
    await work(reads);
  } finally {
    await reads.close();
  }
}

/** Margin before the built position's recordedAt: a broker stamping records itself (LogAppendTime) on a clock behind the writer's. */
const GROUP_START_MARGIN_MS = 5 * 60_000;

/**
 * The Kafka projector group of a rebuilt generation (`<KAFKA_GROUP>-g<n>`, as the projector names it)
 * starts at the records stamped from the built position's recordedAt on (less a margin), not at the
 * topic's beginning; a group that already committed (a resumed rebuild's) is left as it is.
 */
async function startGenerationGroup(events: EventStore, config: ChronicleConfig, built: { generation: number; position: number }): Promise<void> {
  if (built.position <= 0 || built.generation === 0) return;
  const [last] = await events.readAll({ after: built.position - 1, maxCount: 1 });
  if (last === undefined) return;
  const { createKafkaClient, projectorGroupId, startNewGroupAt } = await import('@app/transport/kafka');
  const kafka = createKafkaClient({ clientId: 'chronicle-rebuild', brokers: config.KAFKA_BROKERS as string });
  const groupId = projectorGroupId(config.KAFKA_GROUP, built.generation);
  const offsets = await startNewGroupAt(kafka, config.KAFKA_TOPIC, groupId, new Date(Date.parse(last.recordedAt) - GROUP_START_MARGIN_MS));
  process.stdout.write(
    offsets === null
      ? `Kafka group ${groupId} has committed offsets already: left as it is.\n`
      : `Kafka group ${groupId} starts at ${offsets.map((o) => `${o.partition}:${o.offset}`).join(', ')} (records from position ${built.position}'s recordedAt, less 5 minutes).\n`,
  );
}
