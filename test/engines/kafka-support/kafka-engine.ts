// Where the Kafka suites find their broker, and the one line they print when there is none.
import { randomUUID } from 'node:crypto';
import type { Kafka, Message } from 'kafkajs';

/** The broker the test command started (deploy/engines), if any; the suite says what it does without one (suiteWithoutEngine). */
export function kafkaBrokersFromEnv(): string | undefined {
  return process.env['KAFKA_BROKERS']?.trim() || undefined;
}

/** Fresh names per run, so a broker kept between runs never hands a test an old topic or group. */
export function freshRunId(): string {
  return `r${Date.now().toString(36)}${randomUUID().slice(0, 6)}`;
}

/** Removes a run's topic, so a broker kept between runs does not collect them. */
export async function deleteTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) await admin.deleteTopics({ topics: [topic] });
  } finally {
    await admin.disconnect();
  }
}

/** An encoded event or watermark record, sent to a chosen partition (a test playing the relay). */
export function onPartition(partition: number, message: { key: string | null; value: string; headers: Readonly<Record<string, string>>; timestamp: string }): Message {
  return { key: message.key, value: message.value, headers: { ...message.headers }, timestamp: message.timestamp, partition };
}
