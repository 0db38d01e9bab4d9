import type { Admin } from 'kafkajs';
import { committedOffsets, untilLeadersElected } from './topic-admin';

/** A broker's metadata answers, one per call, as a topic just created goes through them. */
function metadataAnswers(answers: readonly (Error | number[])[]): { admin: Pick<Admin, 'fetchTopicMetadata'>; calls: () => number } {
  let calls = 0;
  const admin = {
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
      const answer = answers[Math.min(calls++, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return { topics: topics.map((name) => ({ name, partitions: answer.map((leader, partitionId) => ({ partitionId, leader, partitionErrorCode: 0, replicas: [], isr: [] })) })) };
    },
  } as unknown as Pick<Admin, 'fetchTopicMetadata'>;
  return { admin, calls: () => calls };
}

const brokerError = (type: string) => Object.assign(new Error(type), { type });

describe('untilLeadersElected', () => {
  it('goes on through the answers a broker gives for a topic it created a moment ago, until every partition has a leader', async () => {
    const { admin, calls } = metadataAnswers([brokerError('UNKNOWN_TOPIC_OR_PARTITION'), brokerError('LEADER_NOT_AVAILABLE'), [1, -1], [1, 1]]);
    await untilLeadersElected(admin, 't');
    expect(calls()).toBe(4);
  });

  it('fails at once on any other error', async () => {
    const { admin, calls } = metadataAnswers([brokerError('TOPIC_AUTHORIZATION_FAILED')]);
    await expect(untilLeadersElected(admin, 't')).rejects.toThrow('TOPIC_AUTHORIZATION_FAILED');
    expect(calls()).toBe(1);
  });

  it('fails with the topic named when the leaders never come', async () => {
    const { admin } = metadataAnswers([[-1]]);
    await expect(untilLeadersElected(admin, 'chronicle.events', 200)).rejects.toThrow('Kafka topic chronicle.events: not every partition has a leader 200 ms after it was created');
  });
});

/** A group coordinator's offset answers, one per call, as a broker that started a moment ago goes through them. */
function offsetAnswers(answers: readonly (Error | string[])[]): { admin: Pick<Admin, 'fetchOffsets'>; calls: () => number } {
  let calls = 0;
  const admin = {
    fetchOffsets: async ({ topics }: { groupId: string; topics: string[] }) => {
      const answer = answers[Math.min(calls++, answers.length - 1)];
      if (answer instanceof Error) throw answer;
      return topics.map((topic) => ({ topic, partitions: answer.map((offset, partition) => ({ partition, offset, metadata: null })) }));
    },
  } as unknown as Pick<Admin, 'fetchOffsets'>;
  return { admin, calls: () => calls };
}

describe('committedOffsets', () => {
  it('goes on through the answers of a group coordinator being elected or loading, until it answers', async () => {
    const { admin, calls } = offsetAnswers([brokerError('NOT_COORDINATOR_FOR_GROUP'), brokerError('GROUP_COORDINATOR_NOT_AVAILABLE'), brokerError('GROUP_LOAD_IN_PROGRESS'), ['-1', '7']]);
    expect(await committedOffsets(admin, 'g', 't')).toEqual([{ partition: 0, offset: '-1' }, { partition: 1, offset: '7' }]);
    expect(calls()).toBe(4);
  });

  it('fails at once on any other error', async () => {
    const { admin, calls } = offsetAnswers([brokerError('GROUP_AUTHORIZATION_FAILED')]);
    await expect(committedOffsets(admin, 'g', 't')).rejects.toThrow('GROUP_AUTHORIZATION_FAILED');
    expect(calls()).toBe(1);
  });

  it('fails with the group, the topic and the last answer named when the coordinator never answers', async () => {
    const { admin } = offsetAnswers([brokerError('NOT_COORDINATOR_FOR_GROUP')]);
    await expect(committedOffsets(admin, 'chronicle-projector-g2', 'chronicle.events', 200)).rejects.toThrow(
      'Kafka group chronicle-projector-g2: its coordinator did not answer for topic chronicle.events within 200 ms (last answer: NOT_COORDINATOR_FOR_GROUP)',
    );
  });
});
