// Where the Kafka suites find their broker, and the one line they print when there is none.
import { randomUUID } from 'node:crypto';

export function kafkaBrokersFromEnv(suite: string): string | undefined {
  const brokers = process.env['KAFKA_BROKERS']?.trim();
  if (!brokers) {
    process.stderr.write(`${suite} SKIPPED: KAFKA_BROKERS is not set (run npm run engines:up)\n`);
    return undefined;
  }
  return brokers;
}

/** Fresh names per run, so a broker kept between runs never hands a test an old topic or group. */
export function freshRunId(): string {
  return `r${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
}
