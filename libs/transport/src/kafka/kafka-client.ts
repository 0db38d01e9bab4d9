// Builds the kafkajs client the relay and the projector share. kafkajs logs every rebalance and
// reconnect at INFO by default; Chronicle keeps WARN and above so its own logs stay readable.
import { Kafka, logLevel } from 'kafkajs';

export interface KafkaClientOptions {
  /** `host:port` list, or the comma-separated form used by KAFKA_BROKERS. */
  readonly brokers: readonly string[] | string;
  readonly clientId: string;
  readonly logLevel?: logLevel;
}

export function parseBrokers(brokers: readonly string[] | string): string[] {
  const list = (typeof brokers === 'string' ? brokers.split(',') : [...brokers]).map((b) => b.trim()).filter((b) => b.length > 0);
  if (list.length === 0) throw new Error('No Kafka brokers given (expected host:port[,host:port...])');
  return list;
}

export function createKafkaClient(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: parseBrokers(options.brokers),
    logLevel: options.logLevel ?? logLevel.WARN,
  });
}
