// Reads a topic with Debian's kcat, an independent client (librdkafka, not kafkajs), so the suites
// check what is really on the broker rather than what kafkajs believes it wrote.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { WATERMARK_TYPE } from '@app/transport/kafka';

const run = promisify(execFile);
// Unit/record separators: they cannot occur in JSON text, keys or our header values.
const FIELD = '\u001f';
const RECORD = '\u001e';

export interface KcatRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly headers: Record<string, string>;
  readonly value: string;
}

export async function requireKcat(): Promise<string> {
  try {
    const { stdout } = await run('kcat', ['-V']);
    return stdout.split('\n')[0] ?? 'kcat';
  } catch {
    throw new Error('kcat is not installed: the Kafka suites need it as an independent consumer. '
      + 'Install it with deploy/engines/tools.sh (or apt-get install -y kcat).');
  }
}

/** Every record of the topic, all partitions, from the beginning to the current end. */
export async function readTopicWithKcat(brokers: string, topic: string): Promise<KcatRecord[]> {
  const format = ['%p', '%o', '%k', '%h', '%s'].join(FIELD) + RECORD;
  const { stdout } = await run('kcat', ['-C', '-q', '-b', brokers, '-t', topic, '-o', 'beginning', '-e', '-f', format], {
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout.split(RECORD).filter((chunk) => chunk.length > 0).map((chunk) => {
    const [partition, offset, key, headers, value] = chunk.split(FIELD);
    return { partition: Number(partition), offset: Number(offset), key, headers: parseHeaders(headers), value };
  });
}

/**
 * kcat prints headers as `name=value,name=value`, unescaped. Values may hold commas (the ce_actor
 * attribute is JSON), so a pair starts only where a comma is followed by a header name and `=`.
 */
function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of text.split(/,(?=[A-Za-z0-9_.-]+=)/)) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf('=');
    headers[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return headers;
}

/** The records that are events, without the relay's watermark records (kafka-message.ts). */
export function eventRecords(records: readonly KcatRecord[]): KcatRecord[] {
  return records.filter((record) => record.headers['ce_type'] !== WATERMARK_TYPE);
}

/** The relay's watermark records. */
export function watermarkRecords(records: readonly KcatRecord[]): KcatRecord[] {
  return records.filter((record) => record.headers['ce_type'] === WATERMARK_TYPE);
}
