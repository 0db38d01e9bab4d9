// Chronicle's configuration: every setting comes from the environment, is validated at start, and
// fails fast with the name of the bad variable.
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, Min, ValidateIf, validateSync } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : ['1', 'true', 'yes', 'on'].includes(String(value).toLowerCase());

export class ChronicleConfig {
  /** Which parts this process runs: everything (embedded default), or one part of the production stack. */
  @IsIn(['all', 'command-api', 'query-api', 'relay', 'projector'])
  CHRONICLE_ROLE: 'all' | 'command-api' | 'query-api' | 'relay' | 'projector' = 'all';

  @IsString()
  HOST = '127.0.0.1';

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  /** Folder for the embedded SQLite files and generated API keys. */
  @IsString()
  DATA_DIR = './data';

  @IsIn(['sqlite', 'eventstoredb'])
  EVENT_STORE: 'sqlite' | 'eventstoredb' = 'sqlite';

  @ValidateIf((c: ChronicleConfig) => c.EVENT_STORE === 'eventstoredb')
  @IsString({ message: 'EVENTSTORE_URL is required when EVENT_STORE=eventstoredb (e.g. esdb://127.0.0.1:2113?tls=false)' })
  EVENTSTORE_URL?: string;

  @IsIn(['sqlite', 'mongodb'])
  READ_STORE: 'sqlite' | 'mongodb' = 'sqlite';

  @ValidateIf((c: ChronicleConfig) => c.READ_STORE === 'mongodb')
  @IsString({ message: 'MONGO_URL is required when READ_STORE=mongodb (e.g. mongodb://127.0.0.1:27017/)' })
  MONGO_URL?: string;

  @IsString()
  MONGO_DB = 'chronicle';

  @IsIn(['embedded', 'kafka'])
  TRANSPORT: 'embedded' | 'kafka' = 'embedded';

  @ValidateIf((c: ChronicleConfig) => c.TRANSPORT === 'kafka')
  @IsString({ message: 'KAFKA_BROKERS is required when TRANSPORT=kafka (e.g. 127.0.0.1:9092)' })
  KAFKA_BROKERS?: string;

  @IsString()
  KAFKA_TOPIC = 'chronicle.events';

  @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  KAFKA_PARTITIONS = 6;

  @IsString()
  KAFKA_GROUP = 'chronicle-projector';

  /** SQLite durability: NORMAL survives a process crash, FULL also a power cut. */
  @IsIn(['NORMAL', 'FULL'])
  SQLITE_SYNCHRONOUS: 'NORMAL' | 'FULL' = 'NORMAL';

  /**
   * How long a write may wait for another process's write lock on a SQLite file before it is
   * refused (a command then answers 503 with Retry-After). The wait never blocks the process.
   */
  @Transform(toInt) @IsInt() @Min(0) @Max(600000)
  SQLITE_WRITE_LOCK_BUDGET_MS = 5000;

  /** Most items in one batch ingest request. */
  @Transform(toInt) @IsInt() @Min(1) @Max(10000)
  MAX_BATCH_SIZE = 1000;

  /** Largest accepted request body, in bytes. */
  @Transform(toInt) @IsInt() @Min(1024)
  MAX_BODY_BYTES = 2 * 1024 * 1024;

  /** Longest a query with `minPosition` waits for the projector, in ms. */
  @Transform(toInt) @IsInt() @Min(0) @Max(60000)
  READ_WAIT_TIMEOUT_MS = 2000;

  /** Comma-separated `role=key` pairs (plain keys, hashed in memory at start); for tests and compose. */
  @IsOptional() @IsString()
  API_KEYS?: string;

  /** JSON file of hashed keys; default `<DATA_DIR>/api-keys.json`, created with one key per role on first start. */
  @IsOptional() @IsString()
  API_KEYS_FILE?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'warn';

  /** Logs one line per HTTP request when true. */
  @Transform(toBool) @IsBoolean()
  LOG_REQUESTS = false;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): ChronicleConfig {
  const known = Object.keys(new ChronicleConfig());
  const relevant: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && (known.includes(key) || ['EVENTSTORE_URL', 'MONGO_URL', 'KAFKA_BROKERS', 'API_KEYS', 'API_KEYS_FILE'].includes(key))) {
      relevant[key] = value;
    }
  }
  const config = plainToInstance(ChronicleConfig, relevant, { exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false });
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((e) => `${e.property}=${JSON.stringify(e.value)}: ${Object.values(e.constraints ?? {}).join('; ')}`),
    );
  }
  return config;
}

export const CHRONICLE_CONFIG = Symbol('ChronicleConfig');
