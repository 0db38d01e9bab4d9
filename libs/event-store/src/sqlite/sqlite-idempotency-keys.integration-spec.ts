import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedClock } from '@app/event-sourcing';
import { fingerprintKey, keyedFingerprint, type IdempotencyKeys } from '../idempotency-keys.port';
import { describeIdempotencyKeysContract } from '../testing/idempotency-keys.contract';
import { SqliteEventStore } from './sqlite-event-store';
import { SqliteIdempotencyKeys } from './sqlite-idempotency-keys';

const directories: string[] = [];

afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

// Every connection is its own SQLite connection to the event store's file, as separate processes have.
describeIdempotencyKeysContract('SqliteIdempotencyKeys (in the event store file)', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'chronicle-sqlite-keys-'));
  directories.push(directory);
  const file = join(directory, 'events.sqlite');
  const events = new SqliteEventStore(file);
  const clock = new FixedClock(new Date('2026-03-01T00:00:00.000Z'));
  const opened: IdempotencyKeys[] = [];
  return {
    events,
    clock,
    open: () => {
      const keys = new SqliteIdempotencyKeys(file, { clock });
      opened.push(keys);
      return keys;
    },
    dispose: async () => {
      await Promise.all(opened.map((keys) => keys.close()));
      await events.close();
    },
  };
});

// Found from outside: fingerprints were plain SHA-256 of the request (method, route, body), kept for
// good and untouched by a forget; a PATCH's phone number came back from one by trying 10^5 guesses
// in 0.2 s. They are keyed now (keyedFingerprint), and plain ones from before are keyed in place.
describe('SqliteIdempotencyKeys fingerprints', () => {
  const plain = createHash('sha256').update('{"body":{"changes":{"phone":"+447700954321"}},"method":"PATCH"}').digest('hex');
  const ref = { scope: 'k-ingest', key: 'patch-bob-1' };

  it('keys the plain fingerprints stored before, in place: their retries still match, and no plain hash stays in the file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'chronicle-sqlite-keys-'));
    directories.push(directory);
    const file = join(directory, 'events.sqlite');
    const events = new SqliteEventStore(file);
    // A store of the version before: no key, the plain hash stored.
    const before = new SqliteIdempotencyKeys(file);
    const claimed = await before.claim(ref, plain, 10_000);
    expect(claimed.outcome).toBe('acquired');
    await before.complete(ref, (claimed as { token: string }).token, { status: 200, body: { position: 7 } });
    await before.close();

    const key = fingerprintKey(Buffer.alloc(32, 7));
    const after = new SqliteIdempotencyKeys(file, { fingerprintKey: key });
    try {
      // The retry, as this version fingerprints it, gets the answer of the request before the upgrade.
      expect(await after.claim(ref, keyedFingerprint(key, plain), 10_000)).toEqual({ outcome: 'answered', answer: { status: 200, body: { position: 7 } } });
      expect(await after.claim(ref, plain, 10_000)).toEqual({ outcome: 'mismatch' });
      const db = new Database(file, { readonly: true });
      try {
        const stored = db.prepare('SELECT fingerprint, keyed FROM idempotency_keys').all();
        expect(stored).toEqual([{ fingerprint: keyedFingerprint(key, plain), keyed: 1 }]);
      } finally {
        db.close();
      }
      // Another key (another deployment's secret) makes other fingerprints.
      expect(keyedFingerprint(fingerprintKey(Buffer.alloc(32, 8)), plain)).not.toBe(keyedFingerprint(key, plain));
    } finally {
      await after.close();
      await events.close();
    }
  });
});
