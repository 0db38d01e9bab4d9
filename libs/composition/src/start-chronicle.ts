// Starts a Chronicle process from environment variables: the one entry point of every app and of
// the end-to-end tests.
import type { INestApplication } from '@nestjs/common';
import type { Clock } from '@app/event-sourcing';
import { createHttpApp, loadConfig, type ChronicleConfig } from '@app/platform';
import { ChronicleModule, partsOf } from './chronicle.module';
import { claimDataDir } from './data-dir-claims';

export interface RunningChronicle {
  readonly app: INestApplication;
  readonly config: ChronicleConfig;
  /** `http://host:port` where it listens. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startChronicle(env: Record<string, string | undefined>, options: { clock?: Clock } = {}): Promise<RunningChronicle> {
  const config = loadConfig(env);
  // Before any store is opened: a process that must not share this data folder stops here.
  const claims = claimDataDir(config);
  let app: INestApplication | undefined;
  try {
    app = await createHttpApp(ChronicleModule.forRoot(config, { ...options, env, claims }), config);
    await app.listen(config.PORT, config.HOST);
  } catch (error) {
    // Closing the app closes the stores, then releases the claims; if it never came up, release them here.
    await app?.close().catch(() => undefined);
    claims.release();
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${address.port}`;
  const started = app;
  return { app: started, config, url, close: () => started.close() };
}

/** The `main` of every app: start, say where it listens and what it runs, stop cleanly on signals. */
export async function runChronicle(role?: ChronicleConfig['CHRONICLE_ROLE']): Promise<void> {
  const env = role ? { ...process.env, CHRONICLE_ROLE: process.env.CHRONICLE_ROLE ?? role } : process.env;
  let running: RunningChronicle;
  try {
    running = await startChronicle(env);
  } catch (error) {
    process.stderr.write(`Chronicle failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  const { config, url } = running;
  process.stdout.write(
    `Chronicle (${config.CHRONICLE_ROLE}: ${[...partsOf(config)].join(', ')}) listening on ${url}\n` +
      `  engines: event store ${config.EVENT_STORE}, transport ${config.TRANSPORT}, read store ${config.READ_STORE}` +
      (config.EVENT_STORE === 'sqlite' || config.READ_STORE === 'sqlite' ? `, data in ${config.DATA_DIR}` : '') +
      `\n  API docs ${url}/docs · health ${url}/health/ready · metrics ${url}/metrics\n`,
  );
}
