// The all-in-one process's projector thread as the HTTP thread uses it: projection into the shared
// SQLite read store from a worker thread, read-your-writes and live updates bridged back, a thread
// that dies restarted by the supervisor and shown in its status (what /health/ready lists).
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '@app/event-sourcing';
import type { EventStore } from '@app/event-store';
import type { CachedKeyStore } from '@app/key-store';
import { Supervisor, type PipelineStatus } from '@app/platform';
import type { ReadStore } from '@app/read-store';
import { eventually } from '../../../../test/support/eventually';
import { checkConfiguration } from '../configuration';
import { openEventStore, openKeyStore, openReadStore } from '../engines';
import { catalogueEvents } from '../testing/event-catalogue';
import { ProjectorThread } from './projector-thread';

jest.setTimeout(120_000);

describe('ProjectorThread', () => {
  let dir: string;
  let keys: CachedKeyStore;
  let events: EventStore;
  let reads: ReadStore;
  let supervisor: Supervisor;
  let thread: ProjectorThread | undefined;

  const open = async (): Promise<ReturnType<typeof checkConfiguration>> => {
    dir = mkdtempSync(join(tmpdir(), 'chronicle-projector-thread-'));
    const config = checkConfiguration({ DATA_DIR: dir, API_KEYS: 'admin=projector-thread-key-0123456789' });
    keys = await openKeyStore(config);
    events = await openEventStore(config, keys);
    reads = await openReadStore(config);
    supervisor = new Supervisor();
    return config;
  };

  /** Appends the customer's registration (personal values sealed by the codec), answers its position. */
  const register = async (customerId: string): Promise<number> => {
    const [registration] = catalogueEvents(customerId, customerId);
    const result = await events.append(registration.streamId, [registration.event], { expectedRevision: 'no_stream' });
    return result.position;
  };

  afterEach(async () => {
    await supervisor.stopAll();
    await thread?.close();
    thread = undefined;
    await events.close();
    await reads.close();
    await keys.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('projects in its own thread into the shared read store, and the HTTP thread hears of it: positions for read-your-writes, events in clear for live updates', async () => {
    const config = await open();
    const live = new ProjectorThread(config, events);
    thread = live;
    const heard: RecordedEvent[] = [];
    live.onApplied((applied) => heard.push(...applied));
    await supervisor.run({ name: 'embedded-projector', work: live });

    const position = await register('c-thread');

    expect(await live.waitForPosition(position, 30_000)).toBe(true);
    // Written by the thread, read through this thread's own connection.
    expect(await reads.get('customer360', 'c-thread')).toMatchObject({ customerId: 'c-thread', lastPosition: position });
    await eventually(async () => expect(heard.map((event) => event.position)).toContain(position));
    // Decoded as the console's live feed shows it: personal values in clear, not sealed.
    expect(heard.find((event) => event.position === position)?.data).toMatchObject({ profile: { firstName: 'Ada', email: 'ada@example.org' } });
    expect(live.position).toBeGreaterThanOrEqual(position);
  });

  it('a thread that dies is reported (state, restarts, last error) and started again, and projection goes on', async () => {
    const config = await open();
    const dying = new ProjectorThread(config, events, { module: join(__dirname, '..', 'testing', 'exiting-projector-thread.worker') });
    thread = dying;
    const status = async (): Promise<PipelineStatus> => (await supervisor.statuses(false)).find((s) => s.name === 'embedded-projector') as PipelineStatus;
    // One failure is enough to show as failed (readiness down) until a run succeeds again.
    await supervisor.run({ name: 'embedded-projector', work: dying, retry: { initialDelayMs: 10, maxDelayMs: 20, failedAfter: 1 } });

    const failed = await status();
    expect(failed.state).toBe('failed');
    expect(failed.lastError?.message).toMatch(/projector thread ended \(exit code 7\)/);

    // The supervisor's restart starts a new thread, which projects what was appended meanwhile.
    const position = await register('c-after-death');
    expect(await dying.waitForPosition(position, 60_000)).toBe(true);
    const restarted = await status();
    expect(restarted.state).toBe('running');
    expect(restarted.restarts).toBe(1);
    expect(await reads.get('customer360', 'c-after-death')).toMatchObject({ customerId: 'c-after-death' });
  });
});
