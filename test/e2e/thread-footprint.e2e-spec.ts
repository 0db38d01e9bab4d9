// What each thread of the all-in-one process loads, on the embedded default (the compiled server as a
// real process, with a preload recording every thread's npm packages). Every isolate pays for what it
// loads (the EventStoreDB client with gRPC or the MongoDB driver ~20 MB of RSS each; Nest's HTTP stack
// with Swagger more), and the projector thread used to load the whole application through the
// libraries' barrels: 2,399 modules, the HTTP framework and every engine's driver included, none of
// which it runs. The drivers load where their engine is configured (libs/composition/src/engines.ts).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../support/api-client';
import { buildApps, removeBuiltApps, startServer } from '../support/chronicle-process';

const KEY = 'test-admin-key-0123456789';
const PRELOAD = join(__dirname, '..', 'support', 'thread-packages-preload.js');
const DRIVERS = ['@eventstore/db-client', '@grpc/grpc-js', 'mongodb', 'bson', 'kafkajs'];
const HTTP_STACK = ['@nestjs/core', '@nestjs/platform-fastify', 'fastify', '@nestjs/swagger', '@nestjs/terminus', 'nestjs-pino', 'pino'];

interface ThreadPackages {
  readonly thread: string;
  readonly packages: readonly string[];
}

describe('threads of the all-in-one process on the embedded default', () => {
  const folders: string[] = [];
  let threads: ThreadPackages[];

  beforeAll(async () => {
    buildApps();
    const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-footprint-'));
    const recorded = mkdtempSync(join(tmpdir(), 'chronicle-footprint-threads-'));
    folders.push(dataDir, recorded);
    const chronicle = await startServer('apps/chronicle/src/main.ts', {
      DATA_DIR: dataDir, API_KEYS: `admin=${KEY}`, NODE_OPTIONS: `--require ${PRELOAD}`, THREAD_PACKAGES_DIR: recorded,
    });
    try {
      // Every thread at work: a command (the writer thread), its projection (the projector thread), reads.
      const api = new ApiClient(chronicle.url, KEY);
      const registered = await api.post('/v1/customers', { customerId: 'footprint-1', profile: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.test' } });
      expect(registered.status).toBe(201);
      expect((await api.get(`/v1/customers/footprint-1?minPosition=${registered.body.position}`)).status).toBe(200);
    } finally {
      await chronicle.kill('SIGTERM');
    }
    threads = readdirSync(recorded).map((file) => JSON.parse(readFileSync(join(recorded, file), 'utf8')) as ThreadPackages);
  });

  afterAll(() => {
    folders.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
    removeBuiltApps();
  });

  const thread = (name: string): ThreadPackages => {
    const found = threads.filter((candidate) => candidate.thread === name);
    expect(found).toHaveLength(1);
    return found[0];
  };

  it('loads no engine driver in any thread', () => {
    expect(threads.map((each) => each.thread)).toEqual(expect.arrayContaining(['main', 'projector-thread.worker.js', 'sqlite-writer.worker.js']));
    for (const each of threads) expect({ thread: each.thread, drivers: each.packages.filter((name) => DRIVERS.includes(name)) }).toEqual({ thread: each.thread, drivers: [] });
    // What the main thread does load: the recording sees packages at all.
    expect(thread('main').packages).toEqual(expect.arrayContaining(['@nestjs/core', 'fastify', 'better-sqlite3']));
  });

  it('runs the projector thread without the HTTP stack or the API\'s validation, and the event store writer without Nest or validation', () => {
    const projector = thread('projector-thread.worker.js');
    expect(projector.packages).toContain('better-sqlite3');
    expect(projector.packages.filter((name) => [...HTTP_STACK, 'class-validator', 'class-transformer'].includes(name))).toEqual([]);
    const writer = thread('sqlite-writer.worker.js');
    expect(writer.packages).toContain('better-sqlite3');
    expect(writer.packages.filter((name) => [...HTTP_STACK, '@nestjs/common', 'class-validator', 'class-transformer', 'libphonenumber-js'].includes(name))).toEqual([]);
  });

  it('checkpoints the SQLite files from one thread, not one per isolate that opens them', () => {
    // The projector thread's stores open the files the HTTP thread's stores already watch: a second
    // checkpointing thread (another isolate, ~5 MB of heap and its own connections) did the same work.
    expect(threads.filter((each) => each.thread === 'eval:wal-checkpoints')).toHaveLength(1);
    // The recording names the threads evaluated from source (the key store's and access log's write threads).
    expect(threads.filter((each) => each.thread === 'eval:sqlite-write-thread').length).toBeGreaterThan(0);
  });
});
