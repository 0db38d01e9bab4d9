// Starts a Chronicle process from environment variables: the one entry point of every app and of
// the end-to-end tests.
import type { INestApplication } from '@nestjs/common';
import type { Clock } from '@app/event-sourcing';
import { createHttpApp, loadConfig, type ChronicleConfig } from '@app/platform';
import { ChronicleModule, partsOf } from './chronicle.module';

export interface RunningChronicle {
  readonly app: INestApplication;
  readonly config: ChronicleConfig;
  /** `http://host:port` where it listens. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startChronicle(env: Record<string, string | undefined>, options: { clock?: Clock } = {}): Promise<RunningChronicle> {
  const config = loadConfig(env);
  const app = await createHttpApp(ChronicleModule.forRoot(config, { ...options, env }), config);
  await app.listen(config.PORT, config.HOST);
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${address.port}`;
  return { app, config, url, close: () => app.close() };
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
