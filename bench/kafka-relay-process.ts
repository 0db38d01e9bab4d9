// The relay in a process of its own, as deployed (CHRONICLE_ROLE=relay or worker runs it apart from
// the projectors): started by startRelayProcess (kafka-pipeline.ts) over an event log file another
// process wrote, the same KafkaRelay and settings as startRelay. Tells its parent when it starts
// publishing and when it failed; stops on the parent's 'stop'.
import { SqliteEventStore } from '@app/event-store';
import { createKafkaClient } from '@app/transport/kafka';
import { startRelay } from './kafka-pipeline';

interface RelayProcessArgs {
  readonly file: string;
  readonly brokers: string;
  readonly topic: string;
  readonly name: string;
  readonly partitions: number;
}

export type FromRelayProcess = { kind: 'starting' } | { kind: 'started' } | { kind: 'stopped'; published: number } | { kind: 'failed'; message: string };

const send = (message: FromRelayProcess): void => {
  process.send?.(message);
};

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as RelayProcessArgs;
  const store = new SqliteEventStore(args.file);
  const kafka = createKafkaClient({ brokers: args.brokers, clientId: `${args.name}-process` });
  send({ kind: 'starting' });
  const relay = await startRelay(store, kafka, args.topic, args.name, args.partitions);
  send({ kind: 'started' });
  relay.done.catch((error: unknown) => send({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }));
  process.on('message', (message: unknown) => {
    if (message !== 'stop') return;
    void relay
      .stop()
      .then(() => store.close())
      .then(() => send({ kind: 'stopped', published: relay.published }))
      .finally(() => process.disconnect());
  });
}

main().catch((error: unknown) => {
  send({ kind: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  process.disconnect?.();
});
