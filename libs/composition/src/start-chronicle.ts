// Starts a Chronicle process from environment variables: the one entry point of every app and of
// the end-to-end tests. Order matters: every setting is checked first, then the data folder, then
// the stores are opened (and must take writes), then the port is bound; only a process that got
// that far writes a first start's API keys and shows them.
import { Logger, type INestApplication } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import type { Clock } from '@app/event-sourcing';
import {
  announceNewKeys, API_KEY_REGISTRY, apiKeysFilePath, createHttpApp, describeSetting, ensureWritableFolder, openToOthers, StartupError, systemReason, type ApiKeyRegistry,
  type ChronicleConfig,
} from '@app/platform';
import { ChronicleModule, partsOf } from './chronicle.module';
import { checkConfiguration } from './configuration';
import { claimDataDir } from './data-dir-claims';
import { applyMemoryProfile } from './memory-profile';
import { API_TYPE_SCHEMAS } from './openapi/api-type-schemas.generated';

export interface RunningChronicle {
  readonly app: INestApplication;
  readonly config: ChronicleConfig;
  /** `http://host:port` where it listens. */
  readonly url: string;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly clock?: Clock;
  /** Where a first start shows the API keys it made (standard output by default). */
  readonly announce?: (text: string) => void;
}

export async function startChronicle(env: Record<string, string | undefined>, options: StartOptions = {}): Promise<RunningChronicle> {
  const config = checkConfiguration(env);
  const dataDirOpen = config.EVENT_STORE === 'sqlite' || config.READ_STORE === 'sqlite' ? openToOthers(ensureWritableFolder(config.DATA_DIR, 'DATA_DIR')) : undefined;
  const keyFile = apiKeysFilePath(config);
  // A first start writes its key file once it listens: make sure that will work before binding.
  if (!config.API_KEYS && !existsSync(keyFile)) {
    // A key file named on purpose that is not there is a mistake (a secret not mounted, a typo): made
    // anew, it gave a process that refused every client and printed fresh admin keys to its log
    // (found from outside). Only the default file in DATA_DIR is made on a first start.
    if (config.API_KEYS_FILE !== undefined) {
      throw new StartupError([
        describeSetting('API_KEYS_FILE', config.API_KEYS_FILE, 'the file does not exist: make keys into it with `chronicle keys create --role admin` (API_KEYS_FILE set alike), or leave API_KEYS_FILE unset to have one key per role made in DATA_DIR on a first start'),
      ]);
    }
    ensureWritableFolder(dirname(keyFile), 'DATA_DIR', config.DATA_DIR);
  }
  // A port another process holds is named here, in one line, before anything is opened (Nest's own
  // listen logs the error as a structured line first, which read as a crash; found from outside).
  await assertCanListen(config);
  // Before any store is opened: a second all-in-one process on this data folder stops here.
  const claims = claimDataDir(config);
  let app: INestApplication;
  try {
    app = await createHttpApp(ChronicleModule.forRoot(config, { ...(options.clock ? { clock: options.clock } : {}), env, claims }), config, { openApi: { schemas: API_TYPE_SCHEMAS } });
  } catch (error) {
    // The app never came up, so nothing else releases the claim (a closed app does, after its stores).
    claims.release();
    throw error;
  }
  // Through the app's own (structured) logger, now that it is set up.
  if (dataDirOpen) new Logger('Chronicle').warn(`DATA_DIR: ${dataDirOpen}`);
  try {
    await app.listen(config.PORT, config.HOST);
  } catch (error) {
    await app.close().catch(() => undefined);
    throw listenError(error, config);
  }
  try {
    const registry = app.get<ApiKeyRegistry>(API_KEY_REGISTRY);
    announceNewKeys(keyFile, registry.persistNewKeys(), options.announce ?? ((text) => process.stdout.write(text)));
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${address.port}`;
  return { app, config, url, close: () => app.close() };
}

/** Binds the configured address for a moment (not port 0: any free port will do): the refusal the real listen would meet. */
async function assertCanListen(config: ChronicleConfig): Promise<void> {
  if (config.PORT === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(config.PORT, config.HOST, () => probe.close(() => resolve()));
  }).catch((error: unknown) => {
    throw listenError(error, config);
  });
}

/** Why the port could not be bound, naming the setting to change. */
function listenError(error: unknown, config: ChronicleConfig): Error {
  const code = (error as { code?: unknown }).code;
  const where = `${config.HOST}:${config.PORT}`;
  switch (code) {
    case 'EADDRINUSE':
      return new StartupError([describeSetting('PORT', String(config.PORT), `${where} is already in use by another process`)]);
    case 'EACCES':
      return new StartupError([describeSetting('PORT', String(config.PORT), `this process may not listen on ${where} (${systemReason(error)})`)]);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError([describeSetting('HOST', config.HOST, `not an address of this machine (${systemReason(error)})`)]);
    default:
      return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * The `main` of every app: start, say where it listens and what it runs, stop cleanly on signals. A
 * failed start prints one line per problem (no stack trace unless LOG_LEVEL is debug or trace) and
 * exits with status 1.
 */
export async function runChronicle(role?: ChronicleConfig['CHRONICLE_ROLE']): Promise<void> {
  // A role's own entry point runs that role: a CHRONICLE_ROLE naming another is a mistake to name,
  // not a setting to follow (found from outside: apps/relay with CHRONICLE_ROLE=query-api ran a query
  // API without a word). apps/chronicle runs the role CHRONICLE_ROLE names.
  const given = process.env.CHRONICLE_ROLE;
  if (role && given !== undefined && given !== role) {
    process.stderr.write(`${startFailure(new StartupError([describeSetting('CHRONICLE_ROLE', given, `this entry point (apps/${role}) runs the ${role} role: leave CHRONICLE_ROLE unset, or start apps/chronicle, which runs the role CHRONICLE_ROLE names`)]))}\n`);
    process.exit(1);
  }
  const env = role ? { ...process.env, CHRONICLE_ROLE: role } : process.env;
  // Files this process creates (SQLite files, the key file, replays) are its user's alone.
  process.umask(0o077);
  // Before anything grows the heaps (a value other than these two is refused by the config below).
  if (env.MEMORY_PROFILE === 'lean') applyMemoryProfile('lean');
  let running: RunningChronicle;
  try {
    running = await startChronicle(env);
  } catch (error) {
    process.stderr.write(`${startFailure(error, env.LOG_LEVEL)}\n`);
    process.exit(1);
  }
  const { config, url } = running;
  process.stdout.write(
    `Chronicle (${config.CHRONICLE_ROLE}: ${[...partsOf(config)].join(', ')}) listening on ${url}\n` +
      `  engines: event store ${config.EVENT_STORE}, transport ${config.TRANSPORT}, read store ${config.READ_STORE}` +
      (config.EVENT_STORE === 'sqlite' || config.READ_STORE === 'sqlite' ? `, data in ${config.DATA_DIR}` : '') +
      `, memory profile ${config.MEMORY_PROFILE}` +
      `\n  API docs ${url}/docs · health ${url}/health/ready · metrics ${url}/metrics\n`,
  );
}

/** The text a failed start prints. */
export function startFailure(error: unknown, logLevel?: string): string {
  if (error instanceof StartupError) return `Chronicle failed to start:\n  - ${error.problems.join('\n  - ')}`;
  const verbose = logLevel === 'debug' || logLevel === 'trace';
  const message = error instanceof Error ? (verbose ? (error.stack ?? error.message) : error.message) : String(error);
  return `Chronicle failed to start:\n  - ${message.split('\n').join(verbose ? '\n' : ' ')}`;
}
