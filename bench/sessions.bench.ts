// What a console session check costs, beside the raw limit of the same SQLite file measured in this
// run: the raw primary-key read of the sign-out table (better-sqlite3), the store's own isRevoked,
// and Sessions.check (signature, expiry, sign-out) with no cache (one read per check) and with the
// default 5 s cache; then over HTTP, a real query-api process answering GET /v1/me to 16 keep-alive
// clients with an API key, with a session cookie read on every request, and with the cache.
// Run: npx ts-node --transpile-only -r tsconfig-paths/register bench/sessions.bench.ts   (BENCH_SECONDS=3)
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore, SqliteSessionRevocations } from '@app/event-store';
import { Sessions } from '@app/platform';
import { buildApps, removeBuiltApps, startServer } from '../test/support/chronicle-process';
import { http } from './http-client';
import { fmt, summarise, table } from './stats';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const SIGNED_OUT = 10_000;
const SUPPORT = 'bench-support-key-0123456789';
const SECRET = Buffer.from('bench-session-secret-0123456789abcdef', 'utf8');

const lines: string[] = [];
function say(text: string): void {
  lines.push(text);
  process.stdout.write(`${text}\n`);
}

/** Operations per second of `work`, run back to back for SECONDS after a warm-up of a tenth of that. */
async function rate(work: () => unknown): Promise<number> {
  const warmUntil = process.hrtime.bigint() + BigInt(Math.round(SECONDS * 1e8));
  while (process.hrtime.bigint() < warmUntil) await work();
  const started = process.hrtime.bigint();
  let done = 0;
  while (Number(process.hrtime.bigint() - started) / 1e9 < SECONDS) {
    for (let i = 0; i < 100; i++) await work();
    done += 100;
  }
  return done / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** Requests/s and latency of 16 keep-alive clients sending GET /v1/me with these headers. */
async function load(url: string, headers: Record<string, string>): Promise<{ rate: number; p50: number; p99: number }> {
  const samples: number[] = [];
  const deadline = Date.now() + SECONDS * 1000;
  const started = Date.now();
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (Date.now() < deadline) {
      const begin = performance.now();
      const answer = await http('GET', `${url}/v1/me`, headers);
      if (answer.status !== 200) throw new Error(`GET /v1/me answered ${answer.status}`);
      samples.push(performance.now() - begin);
    }
  }));
  const stats = summarise(samples);
  return { rate: samples.length / ((Date.now() - started) / 1000), p50: stats.p50, p99: stats.p99 };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'chronicle-bench-sessions-'));
  const file = join(dir, 'events.sqlite');
  try {
    // The table as the store makes it, holding SIGNED_OUT sign-outs (a busy day of a large team).
    await new SqliteEventStore(file).close();
    const store = new SqliteSessionRevocations(file);
    const until = new Date(Date.now() + 12 * 3_600_000);
    const sids = Array.from({ length: SIGNED_OUT }, () => randomBytes(18).toString('base64url'));
    for (const sid of sids) await store.revoke(sid, until);

    const raw = new Database(file, { readonly: true });
    const point = raw.prepare('SELECT sid FROM session_revocations WHERE sid = ?');
    let n = 0;
    const rawRate = await rate(() => point.get(sids[n++ % SIGNED_OUT]));
    raw.close();
    const storeRate = await rate(() => store.isRevoked(sids[n++ % SIGNED_OUT] as string));

    const now = new Date();
    const signatureOnly = new Sessions(SECRET, 30 * 60_000, 12 * 3_600_000);
    const uncached = new Sessions(SECRET, 30 * 60_000, 12 * 3_600_000, { revocations: store, revocationCacheMs: 0 });
    const cached = new Sessions(SECRET, 30 * 60_000, 12 * 3_600_000, { revocations: store, revocationCacheMs: 5000 });
    const { token } = signatureOnly.issue('agent-1', now);
    const signatureRate = await rate(() => signatureOnly.check(token, now));
    const uncachedRate = await rate(() => uncached.check(token, now));
    const cachedRate = await rate(() => cached.check(token, now));
    await store.close();

    buildApps();
    const env = { DATA_DIR: join(dir, 'data'), CHRONICLE_ROLE: 'query-api', API_KEYS: `support=${SUPPORT}`, SESSION_SECRET: SECRET.toString('utf8') };
    const everyRequest = await startServer('apps/query-api/src/main.ts', { ...env, SESSION_REVOCATION_CACHE_MS: '0' });
    const withCache = await startServer('apps/query-api/src/main.ts', { ...env, SESSION_REVOCATION_CACHE_MS: '5000' });
    try {
      const signIn = await http('POST', `${everyRequest.url}/v1/session`, { Authorization: `Bearer ${SUPPORT}` });
      const setCookie = ([] as string[]).concat(signIn.headers['set-cookie'] ?? []).find((c) => c.startsWith('chronicle_session=')) as string;
      const cookie = { Cookie: setCookie.split(';')[0] as string };
      // A first pass warms both processes up (JIT, connections); the second is the one reported.
      await load(everyRequest.url, { Authorization: `Bearer ${SUPPORT}` });
      await load(withCache.url, cookie);
      const byKey = await load(everyRequest.url, { Authorization: `Bearer ${SUPPORT}` });
      const byCookie = await load(everyRequest.url, cookie);
      const byCookieCached = await load(withCache.url, cookie);

      say(`# Console session checks (${new Date().toISOString().slice(0, 10)}, BENCH_SECONDS=${SECONDS}, ${fmt(SIGNED_OUT)} signed-out sessions in the table)`);
      say('');
      say(table([
        ['measurement', 'result', 'raw limit (same run)', 'ratio'],
        ['raw primary-key read of the sign-out table (better-sqlite3)', `${fmt(rawRate)} reads/s`, '', '100%'],
        ['SqliteSessionRevocations.isRevoked (awaited one by one)', `${fmt(storeRate)} reads/s`, `${fmt(rawRate)} reads/s`, `${fmt((100 * storeRate) / rawRate)}%`],
        ['Sessions.check without a store (HMAC, JSON, expiry)', `${fmt(signatureRate)} checks/s`, '', ''],
        ['Sessions.check, reading the store every time (cache 0)', `${fmt(uncachedRate)} checks/s (${(1e6 / uncachedRate - 1e6 / signatureRate).toFixed(1)} µs added per check)`, `${fmt(rawRate)} reads/s`, `${fmt((100 * uncachedRate) / rawRate)}%`],
        ['Sessions.check with the default 5 s cache', `${fmt(cachedRate)} checks/s`, `${fmt(signatureRate)} checks/s without a store`, `${fmt((100 * cachedRate) / signatureRate)}%`],
        ['GET /v1/me over HTTP, 16 clients, API key', `${fmt(byKey.rate)} req/s, p50 ${byKey.p50.toFixed(2)} ms, p99 ${byKey.p99.toFixed(2)} ms`, '', ''],
        ['GET /v1/me, session cookie, store read on every request', `${fmt(byCookie.rate)} req/s, p50 ${byCookie.p50.toFixed(2)} ms, p99 ${byCookie.p99.toFixed(2)} ms`, `${fmt(byKey.rate)} req/s with a key`, `${fmt((100 * byCookie.rate) / byKey.rate)}%`],
        ['GET /v1/me, session cookie, 5 s cache', `${fmt(byCookieCached.rate)} req/s, p50 ${byCookieCached.p50.toFixed(2)} ms, p99 ${byCookieCached.p99.toFixed(2)} ms`, `${fmt(byKey.rate)} req/s with a key`, `${fmt((100 * byCookieCached.rate) / byKey.rate)}%`],
      ]));
      mkdirSync(join(__dirname, 'results'), { recursive: true });
      writeFileSync(join(__dirname, 'results', 'sessions-latest.md'), `${lines.join('\n')}\n`);
    } finally {
      await Promise.all([everyRequest.kill('SIGTERM'), withCache.kill('SIGTERM')]);
      removeBuiltApps();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
