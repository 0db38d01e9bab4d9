// Private Kafka and FerretDB engines for failure tests: started with the project's own engine scripts
// on their own ports and folder (reusing the provisioned jars and binary), stopped and restarted in
// place with their data, as an operator's restart would. The shared engines other suites use are
// never touched.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const SCRIPTS = join(ROOT, 'deploy', 'engines');

export type EngineName = 'kafka' | 'ferretdb';

export class PrivateEngines {
  readonly dir = mkdtempSync(join(tmpdir(), 'chronicle-private-engines-'));

  constructor(
    readonly ports: { kafka: number; kafkaController: number; mongo: number },
    private readonly cacheDir = join(ROOT, '.engines'),
  ) {}

  /** True when the shared engines were provisioned (jars and binary cached), so private ones can start. */
  static provisioned(cacheDir = join(ROOT, '.engines')): boolean {
    return existsSync(join(cacheDir, 'kafka', 'lib')) && existsSync(join(cacheDir, 'ferretdb', 'bin'));
  }

  get kafkaBrokers(): string {
    return `127.0.0.1:${this.ports.kafka}`;
  }

  /** A short server-selection timeout, so a stopped server shows as a failure in seconds. */
  get mongoUrl(): string {
    return `mongodb://127.0.0.1:${this.ports.mongo}/?serverSelectionTimeoutMS=2000`;
  }

  private env(keepData: boolean): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ENGINES_DIR: this.dir,
      ENGINES_CACHE_DIR: this.cacheDir,
      ENGINES_KEEP_DATA: keepData ? '1' : '0',
      KAFKA_PORT: String(this.ports.kafka),
      KAFKA_CONTROLLER_PORT: String(this.ports.kafkaController),
      MONGO_PORT: String(this.ports.mongo),
      KAFKA_HEAP: '-Xmx384m',
    };
  }

  /** Starts the engines with fresh data. */
  async start(...engines: EngineName[]): Promise<void> {
    await run('bash', [join(SCRIPTS, 'up.sh'), ...engines], { env: this.env(false), maxBuffer: 16 * 1024 * 1024 });
  }

  /** Starts a stopped engine again on the data it had. */
  async restart(engine: EngineName): Promise<void> {
    await run('bash', [join(SCRIPTS, 'up.sh'), engine], { env: this.env(true), maxBuffer: 16 * 1024 * 1024 });
  }

  async stop(...engines: EngineName[]): Promise<void> {
    await run('bash', [join(SCRIPTS, 'down.sh'), ...engines], { env: this.env(true), maxBuffer: 16 * 1024 * 1024 });
  }

  async dispose(): Promise<void> {
    await this.stop('kafka', 'ferretdb').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
