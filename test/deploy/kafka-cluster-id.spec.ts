// The engine scripts name a new Kafka cluster with deploy/engines/kafka-cluster-id.sh. An id that
// starts with '-' is read by `kafka-storage format -t` as an option, and the broker never starts
// (found in a fresh-clone CI run: "argument --cluster-id/-t: expected one argument"; 1 start in 64).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const SCRIPT = join(__dirname, '..', '..', 'deploy', 'engines', 'kafka-cluster-id.sh');

describe('deploy/engines/kafka-cluster-id.sh', () => {
  it('names clusters as kafka-storage random-uuid does, never with an id an option parser would take for an option', () => {
    // 1,000 draws: an id starting with '-' turns up ~16 times in as many unguarded draws (none: 1 in 6 million).
    const ids = execFileSync('bash', [SCRIPT, '1000'], { encoding: 'utf8' }).trim().split('\n');
    expect(ids).toHaveLength(1000);
    expect(ids.filter((id) => !/^[A-Za-z0-9_-]{22}$/.test(id))).toEqual([]);
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
    expect(new Set(ids).size).toBe(1000);
  });
});
