// Sessions of two processes on one shared record of sign-outs (the SQLite event store file, each
// with its own connection): a sign-out through one reaches the other within its cache time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteSessionRevocations, type SessionRevocations } from '@app/event-store';
import { Sessions } from './sessions';

const SECRET = Buffer.from('a-test-secret-of-at-least-32-bytes!!', 'utf8');
const IDLE_MS = 30 * 60_000;
const MAX_MS = 12 * 3_600_000;
const CACHE_MS = 5_000;
const now = new Date('2026-03-01T09:00:00.000Z');

describe('Sessions across processes', () => {
  let directory: string;
  const opened: SqliteSessionRevocations[] = [];
  /** Monotonic time the caches read, moved by the test. */
  let monotonic = 0;

  const apiProcess = (cacheMs = CACHE_MS): Sessions => {
    const revocations = new SqliteSessionRevocations(join(directory, 'events.sqlite'));
    opened.push(revocations);
    return new Sessions(SECRET, IDLE_MS, MAX_MS, { revocations, revocationCacheMs: cacheMs, monotonicNow: () => monotonic });
  };

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'chronicle-sessions-'));
    monotonic = 0;
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((revocations) => revocations.close()));
    rmSync(directory, { recursive: true, force: true });
  });

  it('refuses, in every process, a session signed out through one of them, once the other\'s cache time has passed', async () => {
    const [a, b] = [apiProcess(), apiProcess()];
    const { token, claims } = a.issue('agent-ada', now);
    expect(await b.check(token, now)).toMatchObject({ ok: true });

    await a.revoke(claims, now);
    expect(await a.check(token, now)).toEqual({ ok: false, reason: 'This session was signed out' });
    // B believed the session live a moment ago and may go on believing it for at most CACHE_MS.
    monotonic += CACHE_MS - 1;
    expect(await b.check(token, now)).toMatchObject({ ok: true });
    monotonic += 1;
    expect(await b.check(token, now)).toEqual({ ok: false, reason: 'This session was signed out' });
    // A process started after the sign-out never accepts it.
    expect(await apiProcess().check(token, now)).toEqual({ ok: false, reason: 'This session was signed out' });
  });

  it('with no cache time, reads the shared record on every check', async () => {
    const [a, b] = [apiProcess(0), apiProcess(0)];
    const { token, claims } = a.issue('agent-ada', now);
    expect(await b.check(token, now)).toMatchObject({ ok: true });
    await a.revoke(claims, now);
    expect(await b.check(token, now)).toEqual({ ok: false, reason: 'This session was signed out' });
  });

  it('does not let a store read begun before this process signed the session out bring it back', async () => {
    const store = new SqliteSessionRevocations(join(directory, 'events.sqlite'));
    opened.push(store);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The real store, its answers held until the test lets them go (a slow network read).
    const slow: SessionRevocations = {
      revoke: (sid, until) => store.revoke(sid, until),
      isRevoked: async (sid) => {
        const answer = await store.isRevoked(sid);
        await gate;
        return answer;
      },
      close: () => store.close(),
    };
    const sessions = new Sessions(SECRET, IDLE_MS, MAX_MS, { revocations: slow, revocationCacheMs: CACHE_MS, monotonicNow: () => monotonic });
    const { token, claims } = sessions.issue('agent-ada', now);
    const begunBefore = sessions.check(token, now);
    await sessions.revoke(claims, now);
    release();
    // Even the check under way when the sign-out landed refuses: the sign-out is known by then.
    expect(await begunBefore).toEqual({ ok: false, reason: 'This session was signed out' });
    expect(await sessions.check(token, now)).toEqual({ ok: false, reason: 'This session was signed out' });
  });

  it('leaves the other sessions of the same agent alone', async () => {
    const [a, b] = [apiProcess(0), apiProcess(0)];
    const first = a.issue('agent-ada', now);
    const second = a.issue('agent-ada', now);
    await a.revoke(first.claims, now);
    expect(await b.check(second.token, now)).toMatchObject({ ok: true });
    expect(await b.check(first.token, now)).toMatchObject({ ok: false });
  });
});
