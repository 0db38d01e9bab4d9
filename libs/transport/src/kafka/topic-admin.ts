// What the relay settles with the broker before it publishes: the event topic and its dead-letter
// topic exist (created with explicit partitions, replication and infinite retention), and what the
// broker will actually take (the event topic's max.message.bytes, as the broker resolves it, rather
// than a guessed 1 MiB).
import { ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';

export interface TopicSettings {
  readonly partitions: number;
  /** -1: the broker's default.replication.factor. */
  readonly replicationFactor: number;
  /** min.insync.replicas of a topic the relay creates; unset: the broker's default. */
  readonly minInsyncReplicas?: number;
}

export interface TopicLimits {
  /** The largest record batch the broker takes on the event topic (its max.message.bytes). */
  readonly maxMessageBytes: number;
  /** retention.ms of the event topic; -1 keeps events forever. */
  readonly retentionMs: number;
  /** Records on the dead-letter topic, all time (its end offsets minus its start offsets). */
  readonly deadLetters: number;
  /** Partitions of the event topic as it is (which may differ from the settings' for a topic that existed). */
  readonly partitions: number;
}

/**
 * Topic configuration the relay creates topics with. The event store is the truth and rebuilds replay
 * it, but a projector that was down longer than a time-based retention would silently miss events:
 * the topics keep everything (retention.ms = -1, retention.bytes = -1).
 */
export function topicConfig(settings: TopicSettings): { name: string; value: string }[] {
  return [
    { name: 'retention.ms', value: '-1' },
    { name: 'retention.bytes', value: '-1' },
    { name: 'cleanup.policy', value: 'delete' },
    ...(settings.minInsyncReplicas !== undefined ? [{ name: 'min.insync.replicas', value: String(settings.minInsyncReplicas) }] : []),
  ];
}

/** Creates the topic when it does not exist; an existing topic is left as it is. */
export async function ensureTopic(kafka: Kafka, topic: string, settings: TopicSettings): Promise<void> {
  await withAdmin(kafka, (admin) => createMissing(admin, topic, settings));
}

/** Creates both topics where missing and reads the limits the relay publishes within. */
export async function prepareTopics(kafka: Kafka, topic: string, deadLetterTopic: string, settings: TopicSettings): Promise<TopicLimits> {
  return withAdmin(kafka, async (admin) => {
    await createMissing(admin, topic, settings);
    // One partition keeps the dead letters in the order they happened; they are few by nature.
    await createMissing(admin, deadLetterTopic, { ...settings, partitions: 1 });
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes', 'retention.ms'] }],
    });
    const entries = described.resources[0]?.configEntries ?? [];
    const value = (name: string): number => {
      const found = entries.find((entry) => entry.configName === name);
      const parsed = Number(found?.configValue);
      if (found === undefined || !Number.isFinite(parsed)) throw new Error(`The broker did not report ${name} of topic ${topic}`);
      return parsed;
    };
    const offsets = await admin.fetchTopicOffsets(deadLetterTopic);
    const deadLetters = offsets.reduce((sum, partition) => sum + (Number(partition.high) - Number(partition.low)), 0);
    const partitions = (await admin.fetchTopicOffsets(topic)).length;
    if (partitions === 0) throw new Error(`The broker reported no partitions of topic ${topic}`);
    return { maxMessageBytes: value('max.message.bytes'), retentionMs: value('retention.ms'), deadLetters, partitions };
  });
}

async function createMissing(admin: Admin, topic: string, settings: TopicSettings): Promise<void> {
  if ((await admin.listTopics()).includes(topic)) return;
  // false means another client created it meanwhile, which is just as good.
  await admin.createTopics({
    // kafkajs's own wait gives up on UNKNOWN_TOPIC_OR_PARTITION, which a broker answers for a moment
    // after it created the topic (its metadata not yet propagated): the relay then failed to start.
    waitForLeaders: false,
    topics: [{ topic, numPartitions: settings.partitions, replicationFactor: settings.replicationFactor, configEntries: topicConfig(settings) }],
  });
  await untilLeadersElected(admin, topic);
}

/** What a broker answers for a topic it created a moment ago; anything else is a real failure. */
const TRANSIENT_METADATA_ERRORS = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * What a broker answers about a consumer group while its coordinator is being elected or is loading
 * the group offsets topic (a broker that started a moment ago, or a group's first request): kafkajs's
 * admin does not retry them, so a rebuild on a fresh broker failed with "This is not the correct
 * coordinator for this group" (found by CI).
 */
const TRANSIENT_COORDINATOR_ERRORS = new Set(['GROUP_LOAD_IN_PROGRESS', 'GROUP_COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR_FOR_GROUP']);

/**
 * Asks until `answer` gives a value, going on through the broker's `transient` errors (doubling the
 * pause from 50 ms to 1 s); any other error fails at once, and after `timeoutMs` `timedOut` is thrown.
 */
async function untilAnswered<T>(ask: () => Promise<T | undefined>, transient: ReadonlySet<string>, timeoutMs: number, timedOut: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 50;
  let lastError: unknown;
  for (;;) {
    try {
      const answer = await ask();
      if (answer !== undefined) return answer;
    } catch (error) {
      if (!transient.has((error as { type?: string }).type ?? '')) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) throw new Error(timedOut() + (lastError instanceof Error ? ` (last answer: ${lastError.message})` : ''));
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 1000);
  }
}

/** Waits until every partition of `topic` has a leader, retrying the broker's transient answers. */
export async function untilLeadersElected(admin: Pick<Admin, 'fetchTopicMetadata'>, topic: string, timeoutMs = 30_000): Promise<void> {
  await untilAnswered(
    async () => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = topics.find((found) => found.name === topic)?.partitions ?? [];
      return partitions.length > 0 && partitions.every((partition) => partition.leader >= 0) ? true : undefined;
    },
    TRANSIENT_METADATA_ERRORS,
    timeoutMs,
    () => `Kafka topic ${topic}: not every partition has a leader ${timeoutMs} ms after it was created`,
  );
}

/** A group's committed offset of each partition of `topic` (-1: none), retrying while the group's coordinator is not ready. */
export async function committedOffsets(admin: Pick<Admin, 'fetchOffsets'>, groupId: string, topic: string, timeoutMs = 30_000): Promise<{ partition: number; offset: string }[]> {
  return untilAnswered(
    async () => {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return (committed?.partitions ?? []).map(({ partition, offset }) => ({ partition, offset }));
    },
    TRANSIENT_COORDINATOR_ERRORS,
    timeoutMs,
    () => `Kafka group ${groupId}: its coordinator did not answer for topic ${topic} within ${timeoutMs} ms`,
  );
}

async function withAdmin<T>(kafka: Kafka, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Where a consumer group that has never committed starts: at the first record of each partition
 * stamped at or after `from` (the partition's end where none is), instead of the topic's beginning.
 * For the projector group of a read-model generation built from the event log up to some position:
 * it only needs the events after it, and read from offset 0 it stayed minutes behind on a long topic
 * (found from outside: a note written right after a rebuild's switch showed 45 s later). Record
 * timestamps are the events' recordedAt, which never goes back along the log, so no record of a
 * later event is stamped before `from`; the records before a generation's position that are read all
 * the same are skipped by the read store's position guard. A group with committed offsets is left
 * as it is. Returns the offsets set, or null when the group had some.
 */
export async function startNewGroupAt(kafka: Kafka, topic: string, groupId: string, from: Date): Promise<{ partition: number; offset: string }[] | null> {
  return withAdmin(kafka, async (admin) => {
    if ((await committedOffsets(admin, groupId, topic)).some((partition) => Number(partition.offset) >= 0)) return null;
    const offsets = (await admin.fetchTopicOffsetsByTimestamp(topic, from.getTime())).map(({ partition, offset }) => ({ partition, offset: String(offset) }));
    await admin.setOffsets({ groupId, topic, partitions: offsets });
    return offsets;
  });
}

/** The consumer group of a read-model generation's Kafka projector: the configured group for generation 0, `<group>-g<n>` after. */
export function projectorGroupId(group: string, generation: number): string {
  return generation === 0 ? group : `${group}-g${generation}`;
}
