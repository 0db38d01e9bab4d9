// Chronicle's configuration: every setting comes from the environment, is validated at start, and
// fails fast with the name of the bad variable.
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, Min, MinLength, ValidateBy, ValidateIf } from 'class-validator';
import { IsCurrencyCode } from '@app/money/validation/is-currency-code';
import { trustedProxiesProblem } from '../http/trusted-proxies';
import { ConfigError, envBoolean, envNumber, readEnvConfig } from './env-config';

export { ConfigError, StartupError, describeSetting, envBoolean, envNumber, readEnvConfig } from './env-config';


export class ChronicleConfig {
  /**
   * Which parts this process runs: everything (embedded default), or one part of the production
   * stack; `worker` runs the reactors and sweeps (and the relay with TRANSPORT=kafka).
   */
  @IsIn(['all', 'command-api', 'query-api', 'worker', 'relay', 'projector'])
  CHRONICLE_ROLE: 'all' | 'command-api' | 'query-api' | 'worker' | 'relay' | 'projector' = 'all';

  @IsString()
  HOST = '127.0.0.1';

  @Transform(envNumber) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  /** Folder for the embedded SQLite files and generated API keys. */
  @IsString()
  @MinLength(1, { message: 'DATA_DIR must name a folder (empty would be the current one: give "." if that is meant)' })
  DATA_DIR = './data';

  @IsIn(['sqlite', 'eventstoredb'])
  EVENT_STORE: 'sqlite' | 'eventstoredb' = 'sqlite';

  @ValidateIf((c: ChronicleConfig) => c.EVENT_STORE === 'eventstoredb')
  @IsString({ message: 'EVENTSTORE_URL is required when EVENT_STORE=eventstoredb (e.g. esdb://127.0.0.1:2113?tls=false)' })
  EVENTSTORE_URL?: string;

  @IsIn(['sqlite', 'mongodb'])
  READ_STORE: 'sqlite' | 'mongodb' = 'sqlite';

  @ValidateIf((c: ChronicleConfig) => c.READ_STORE === 'mongodb' || c.KEY_STORE === 'mongodb')
  @IsString({ message: 'MONGO_URL is required when READ_STORE=mongodb or KEY_STORE=mongodb (e.g. mongodb://127.0.0.1:27017/)' })
  MONGO_URL?: string;

  @IsString()
  MONGO_DB = 'chronicle';

  /**
   * Longest a MongoDB operation waits for a server to take it, in ms (the driver's
   * serverSelectionTimeoutMS, 30,000 by default): with the server down, requests and readiness
   * answered 503 only after 30 s, and probes with shorter timeouts saw nothing (found from outside).
   */
  @Transform(envNumber) @IsInt() @Min(100) @Max(120000)
  MONGO_TIMEOUT_MS = 5000;

  /** Where customers' data keys live: `sqlite` (keys.sqlite in DATA_DIR) or `mongodb` (MONGO_URL, database KEY_STORE_MONGO_DB). */
  @IsIn(['sqlite', 'mongodb'])
  KEY_STORE: 'sqlite' | 'mongodb' = 'sqlite';

  /** Database of the MongoDB key store, apart from the read models (rebuilds never touch it). */
  @IsString()
  KEY_STORE_MONGO_DB = 'chronicle_keys';

  /**
   * The master key(s) that wrap data keys: base64 of 32 random bytes, several separated by commas,
   * current first (the others only unwrap, during a rotation). Or MASTER_KEY_FILE: one per line.
   * Without either, the SQLite key store creates DATA_DIR/master.key on first start.
   */
  @IsOptional() @IsString()
  MASTER_KEY?: string;

  @ValidateIf((c: ChronicleConfig) => c.KEY_STORE === 'mongodb' && c.MASTER_KEY === undefined)
  @IsString({ message: 'MASTER_KEY or MASTER_KEY_FILE is required when KEY_STORE=mongodb: every process must wrap with the same master key' })
  MASTER_KEY_FILE?: string;

  /** Longest a process keeps a data key in memory, in ms (how long another process may still read a forgotten customer's events, at most). */
  @Transform(envNumber) @IsInt() @Min(0) @Max(3600000)
  KEY_CACHE_TTL_MS = 60000;

  /** Most data keys a process keeps in memory. */
  @Transform(envNumber) @IsInt() @Min(1)
  KEY_CACHE_SIZE = 10000;

  /** How often unfinished forgets (a crash between destroying the key and recording the event) are finished, in ms. */
  @Transform(envNumber) @IsInt() @Min(100) @Max(3600000)
  ERASURE_SWEEP_INTERVAL_MS = 30000;

  @IsIn(['embedded', 'kafka'])
  TRANSPORT: 'embedded' | 'kafka' = 'embedded';

  @ValidateIf((c: ChronicleConfig) => c.TRANSPORT === 'kafka')
  @IsString({ message: 'KAFKA_BROKERS is required when TRANSPORT=kafka (e.g. 127.0.0.1:9092)' })
  KAFKA_BROKERS?: string;

  /** The name carries the topic format's version (deploy/README.md, "Topic contract"). */
  @IsString()
  KAFKA_TOPIC = 'chronicle.events.v2';

  @Transform(envNumber) @IsInt() @Min(1) @Max(1000)
  KAFKA_PARTITIONS = 6;

  /** Replication factor of the topics the relay creates; -1: the broker's default.replication.factor. Use 3 on a real cluster. */
  @Transform(envNumber) @IsInt() @Min(-1) @Max(32)
  KAFKA_REPLICATION_FACTOR = -1;

  /** min.insync.replicas of the topics the relay creates (2 with a replication factor of 3); unset: the broker's. */
  @IsOptional() @Transform(envNumber) @IsInt() @Min(1) @Max(32)
  KAFKA_MIN_INSYNC_REPLICAS?: number;

  @IsString()
  KAFKA_GROUP = 'chronicle-projector';

  /**
   * How long the group waits for a projector that stopped heartbeating before giving its partitions to
   * the others (a killed projector's partitions stand still that long). Lower detects a dead one sooner;
   * too low and a projector busy with a long read-store write is taken for dead. Heartbeats every third.
   */
  @Transform(envNumber) @IsInt() @Min(6_000) @Max(300_000)
  KAFKA_SESSION_TIMEOUT_MS = 30_000;

  /**
   * How many of its partitions' batches a Kafka projector has in hand at once. Each partition still
   * has one batch at a time, committed after its own write; the runner prepares (loads, projects)
   * one batch while the read store writes the one before, which overlaps only with more than one in
   * flight. 1: one batch at a time, as before.
   */
  @Transform(envNumber) @IsInt() @Min(1) @Max(64)
  KAFKA_PROJECTOR_PARTITIONS_IN_FLIGHT = 3;

  /**
   * Longest a Kafka projector's fetch waits for new events, in ms. A partition whose batch is in hand
   * is left out of the fetch under way, so its next events wait for that fetch to end: at kafkajs'
   * 5,000 ms default a write showed in the read models 2–5 s later on an idle deployment, past
   * READ_WAIT_TIMEOUT_MS (found from outside). Lower costs only empty fetches while idle.
   */
  @Transform(envNumber) @IsInt() @Min(10) @Max(5_000)
  KAFKA_FETCH_MAX_WAIT_MS = 100;

  /** SQLite durability: NORMAL survives a process crash, FULL also a power cut. */
  @IsIn(['NORMAL', 'FULL'])
  SQLITE_SYNCHRONOUS: 'NORMAL' | 'FULL' = 'NORMAL';

  /**
   * Where the embedded access log (access-log.sqlite) commits the entries that reads of customer data
   * wait for: `thread` (a write thread of the file's own; the event loop posts each group and takes the
   * reply a turn later) or `inline` (on the event loop: a read answers a turn sooner, and the loop pays
   * the commit's CPU). `inline` suits a query-api process, whose loop serves nothing but reads
   * (bench/README.md, "Where the reads' tail goes"); it needs SQLITE_SYNCHRONOUS=NORMAL.
   */
  @IsIn(['thread', 'inline'])
  ACCESS_LOG_COMMITS: 'thread' | 'inline' = 'thread';

  /**
   * Where the SQLite read store (read-models.sqlite) commits the projector's writes: `inline`, on the
   * projecting thread; `thread`, on a write thread of its own, so the projector prepares its next
   * batch meanwhile (a Kafka projector with KAFKA_PROJECTOR_PARTITIONS_IN_FLIGHT above 1, the
   * embedded projector); `auto` (default): `thread` in a process running the Kafka projector, `inline`
   * elsewhere (the embedded projector's catch-up gains ~12% on a thread, its ingest nothing, for more
   * memory). bench/README.md, "The projector pipelined" and "The embedded projector pipelined".
   */
  @IsIn(['auto', 'inline', 'thread'])
  SQLITE_READ_STORE_WRITES: 'auto' | 'inline' | 'thread' = 'auto';

  /**
   * How long a write may wait for another process's write lock on a SQLite file before it is
   * refused (a command then answers 503 with Retry-After). The wait never blocks the process.
   */
  @Transform(envNumber) @IsInt() @Min(0) @Max(600000)
  SQLITE_WRITE_LOCK_BUDGET_MS = 5000;

  /** Most items in one batch ingest request. */
  @Transform(envNumber) @IsInt() @Min(1) @Max(10000)
  MAX_BATCH_SIZE = 1000;

  /**
   * How long an idle keep-alive connection stays open, in ms (sent as `Keep-Alive: timeout=…`). Node's
   * 5 s default is shorter than the idle timeouts of load balancers and HTTP clients' pools, so a
   * client could reuse a connection at the moment the server closes it and get ECONNRESET (a 502
   * behind a proxy). Keep it above your load balancer's idle timeout (AWS ALB: 60 s).
   */
  @Transform(envNumber) @IsInt() @Min(1000) @Max(3_600_000)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 65_000;

  /**
   * Most events a live stream (a customer's, the tickets') reads again, one message each, for a client
   * reconnecting with Last-Event-ID. A client further behind gets the stream's summary instead: one
   * message at the customer's 360 view, one per ticket changed since (each at its latest position).
   */
  @Transform(envNumber) @IsInt() @Min(1) @Max(1_000_000)
  LIVE_REPLAY_MAX_EVENTS = 5_000;

  /**
   * Which peers' X-Forwarded-Proto/-For/-Host to believe: empty (the default) believes none; a number
   * believes that many proxies in front (right when only they can reach the port, as behind the
   * compose file's gateway); otherwise comma-separated addresses, CIDR ranges and the names loopback,
   * linklocal, uniquelocal. Behind a gateway that terminates TLS, set it, or the session cookie is not
   * marked Secure (the server sees plain HTTP). Trusting every peer is refused.
   */
  @ValidateBy({ name: 'isTrustedProxies', validator: { validate: (value) => trustedProxiesProblem(value) === undefined, defaultMessage: (args) => trustedProxiesProblem(args?.value) ?? 'TRUST_PROXY is invalid' } })
  TRUST_PROXY = '';

  /** Largest accepted request body, in bytes. */
  @Transform(envNumber) @IsInt() @Min(1024)
  MAX_BODY_BYTES = 2 * 1024 * 1024;

  /**
   * Largest event, in bytes of its JSON, a command may record (413 EVENT_TOO_LARGE beyond, naming the
   * largest field). Keep it under the event topic's max.message.bytes (1 MiB by default) so the relay
   * can publish every event even uncompressed; personal values add a little once encrypted.
   */
  @Transform(envNumber) @IsInt() @Min(1024)
  MAX_EVENT_BYTES = 900_000;

  /**
   * Where the all-in-one process runs its embedded projector on SQLite files: `thread` (a worker
   * thread with its own connections, so projection batches never hold up HTTP answers) or `inline`
   * (on the event loop that answers HTTP: one thread, for a debugger or a machine with one core).
   * Other layouts (MongoDB read store, EventStoreDB) always project inline.
   */
  @IsIn(['thread', 'inline'])
  EMBEDDED_PROJECTOR: 'thread' | 'inline' = 'thread';

  /**
   * Where the all-in-one process on SQLite files runs its batch requests (POST /v1/interactions/batch,
   * POST /v1/customers/batch): `inline` (on the HTTP thread, in turns of TURN_MS with the reads) or
   * `thread` (a worker thread with a command side and connections of its own, started at the first
   * batch, at BATCH_THREAD_NICE: a batch's validation, deciding and sealing then never hold up the
   * reads and single commands the HTTP thread serves, for ~100 MB more resident memory; bench/README.md,
   * "Batches in a worker thread"). Other layouts run them inline; a command-api process serves no reads.
   */
  @IsIn(['thread', 'inline'])
  EMBEDDED_BATCHES: 'thread' | 'inline' = 'inline';

  /**
   * The batch thread's CPU priority below the HTTP thread's, as `nice -n` counts (0–19; Linux only,
   * elsewhere it runs at the process's priority): with both wanting a core, the reads get it first.
   */
  @Transform(envNumber) @IsInt() @Min(0) @Max(19)
  BATCH_THREAD_NICE = 10;

  /**
   * How the process's JavaScript heaps trade memory for speed: `fast` (V8's own sizing: the heap
   * grows generously between collections) or `lean` (MEMORY_PROFILE_FLAGS: the old generation grows
   * by 20% per collection and worker threads' young generations are capped at 8 MB semi-spaces; about
   * a third less resident memory for 4–33% less throughput, bench/README.md "Memory"). Applied
   * when the process starts (runChronicle), before the heaps grow.
   */
  @IsIn(['fast', 'lean'])
  MEMORY_PROFILE: 'fast' | 'lean' = 'fast';

  /**
   * Snapshots of long-lived streams (loyalty, customer): a command writes one, in the background, once
   * it has read this many events after the stream's latest snapshot, and later commands read only the
   * events after it. 0 turns snapshots off (none read, none written). A snapshot is a cache: dropping
   * them all changes no answer (README, "Snapshots").
   */
  @Transform(envNumber) @IsInt() @Min(0) @Max(1_000_000)
  SNAPSHOT_EVERY = 100;

  /** Longest a query with `minPosition` waits for the projector, in ms. */
  @Transform(envNumber) @IsInt() @Min(0) @Max(60000)
  READ_WAIT_TIMEOUT_MS = 2000;

  /**
   * How long a single-instance pipeline's lease (relay, embedded projector, reactors, sweeps) lasts
   * without renewal, in ms: the longest another process waits to take over after the holder died.
   */
  @Transform(envNumber) @IsInt() @Min(300) @Max(600000)
  LEASE_TTL_MS = 15000;

  /** How often a process looks whether a rebuild made another read-model generation live, in ms. */
  @Transform(envNumber) @IsInt() @Min(50) @Max(600000)
  READ_MODEL_GENERATION_POLL_MS = 2000;

  /**
   * The one currency of derived figures (RFM monetary, CLV, the CSV export) and of the loyalty
   * programme (points per major unit, tier thresholds). Money in other currencies is kept apart,
   * never converted (there are no exchange rates) and never added to it.
   */
  @IsCurrencyCode()
  REPORTING_CURRENCY = 'EUR';

  /** Comma-separated `role=key` pairs (plain keys, hashed in memory at start); for tests and compose. */
  @IsOptional() @IsString()
  API_KEYS?: string;

  /** JSON file of hashed keys; default `<DATA_DIR>/api-keys.json`, created with one key per role on first start. */
  @IsOptional() @IsString()
  API_KEYS_FILE?: string;

  /**
   * Signs the support console's session cookies: at least 32 characters, the same on every process
   * that serves the API. Or SESSION_SECRET_FILE: a file holding it (a compose secret). Neither: a
   * random secret kept in `<DATA_DIR>/session-secret` (shared by processes on one data folder only,
   * so one of the two is required for an API process on EventStoreDB).
   */
  @IsOptional() @IsString()
  SESSION_SECRET?: string;

  @IsOptional() @IsString()
  SESSION_SECRET_FILE?: string;

  /**
   * How long a process believes a console session it found not signed out, in ms, before it reads the
   * shared record again: the longest a sign-out made through another process may take to reach this
   * one. 0: read on every request that comes with a session cookie.
   */
  @Transform(envNumber) @IsInt() @Min(0) @Max(60_000)
  SESSION_REVOCATION_CACHE_MS = 5000;

  /** A console session ends after this many minutes without a request. */
  @Transform(envNumber) @IsInt() @Min(1) @Max(1440)
  SESSION_IDLE_MINUTES = 30;

  /** A console session ends this many hours after sign-in, however active. */
  @Transform(envNumber) @IsInt() @Min(1) @Max(168)
  SESSION_MAX_HOURS = 12;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'warn';

  /** Logs one line per HTTP request when true. */
  @Transform(envBoolean) @IsBoolean()
  LOG_REQUESTS = false;
}

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): ChronicleConfig {
  const problems: string[] = [];
  let config: ChronicleConfig | undefined;
  try {
    config = readEnvConfig(ChronicleConfig, env, ['EVENTSTORE_URL', 'MONGO_URL', 'KAFKA_BROKERS', 'API_KEYS', 'API_KEYS_FILE', 'MASTER_KEY', 'MASTER_KEY_FILE', 'SESSION_SECRET', 'SESSION_SECRET_FILE', 'KAFKA_MIN_INSYNC_REPLICAS']);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  // Checked here rather than by a decorator, whose message would quote the secret.
  const secret = env.SESSION_SECRET;
  if (secret !== undefined && secret.length < 32) {
    problems.push(`SESSION_SECRET is set but has ${secret.length} characters: give at least 32 (a random string, the same for every process; the value is not shown)`);
  }
  if (secret !== undefined && env.SESSION_SECRET_FILE !== undefined) {
    problems.push('SESSION_SECRET and SESSION_SECRET_FILE are both set: give the session secret one way only (SESSION_SECRET_FILE in production)');
  }
  // Processes on EventStoreDB share no data folder, so a secret each kept there would differ, and a
  // console cookie signed by one API process would be refused by the next.
  const servesApi = config !== undefined && ['all', 'command-api', 'query-api'].includes(config.CHRONICLE_ROLE);
  if (servesApi && config?.EVENT_STORE === 'eventstoredb' && secret === undefined && env.SESSION_SECRET_FILE === undefined) {
    problems.push(
      `SESSION_SECRET_FILE (or SESSION_SECRET) is required when CHRONICLE_ROLE=${config.CHRONICLE_ROLE} and EVENT_STORE=eventstoredb: ` +
        'every process serving the API must sign console sessions with the same secret',
    );
  }
  if (config?.ACCESS_LOG_COMMITS === 'inline' && config.SQLITE_SYNCHRONOUS === 'FULL') {
    problems.push('ACCESS_LOG_COMMITS=inline needs SQLITE_SYNCHRONOUS=NORMAL: at FULL every commit waits for the disk, and an inline commit would stop the event loop meanwhile (use ACCESS_LOG_COMMITS=thread)');
  }
  // A read that waits for its position gives up after READ_WAIT_TIMEOUT_MS; a Kafka projector's fetch
  // that may hold a partition's next events for as long makes read-your-writes fail.
  // (READ_WAIT_TIMEOUT_MS=0: reads never wait, so there is nothing to outlast.)
  if (config?.TRANSPORT === 'kafka' && config.READ_WAIT_TIMEOUT_MS > 0 && config.KAFKA_FETCH_MAX_WAIT_MS * 4 > config.READ_WAIT_TIMEOUT_MS) {
    problems.push(
      `KAFKA_FETCH_MAX_WAIT_MS=${config.KAFKA_FETCH_MAX_WAIT_MS}: a Kafka projector's fetch may hold a partition's next events that long, ` +
        `so give at most a quarter of READ_WAIT_TIMEOUT_MS (${config.READ_WAIT_TIMEOUT_MS}), or a read with minPosition may give up before its write is applied`,
    );
  }
  if (problems.length > 0 || !config) throw new ConfigError(problems);
  return config;
}

export const CHRONICLE_CONFIG = Symbol('ChronicleConfig');
