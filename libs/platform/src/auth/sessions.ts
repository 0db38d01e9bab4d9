// Browser sessions for the support console: an agent trades their API key once for a cookie the page
// cannot read (HttpOnly), so no long-lived key sits in page-readable storage and every tab of the
// browser shares the sign-in. The cookie holds a token signed with a server secret (HMAC-SHA256):
// which key it stands for, when it was issued (absolute expiry) and last used (idle expiry, renewed
// as the agent works). It carries no role: the key's roles are looked up on every request, so a
// revoked key ends its sessions at once. Every process given the same secret enforces both expiries
// from the cookie alone. A sign-out is the one fact not in the cookie: it is recorded in the shared
// SessionRevocations store (beside the events), which every API process reads, so a copy of a
// signed-out cookie is refused by every process, not only the one that handled the sign-out. A
// process remembers a session it found not revoked for SESSION_REVOCATION_CACHE_MS (the most a sign-out
// elsewhere may take to reach it), and one it found revoked until the session's end.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionRevocations } from '@app/event-store';
import { describeSetting, StartupError } from '../config/env-config';
import type { ChronicleConfig } from '../config/chronicle-config';
import { createFileOnce } from '../config/create-file-once';
import { ensureWritableFolder, systemReason } from '../config/writable-folder';

export const SESSION_COOKIE = 'chronicle_session';
/** The header a cookie-authenticated POST, PUT, PATCH or DELETE must carry, with the session's token from GET /v1/me. */
export const CSRF_HEADER = 'x-csrf-token';
/**
 * Renew the idle timer at most this often (each renewal is a Set-Cookie), and at most a tenth of the
 * idle time: a request of the agent's then counts within a tenth of SESSION_IDLE_MINUTES (with a
 * fixed minute, an idle time of one minute never renewed, and of two ended a minute after a request).
 */
const RENEW_AFTER_MS = 60_000;
const SECRET_FILE = 'session-secret';
/** Most sessions a process remembers the revocation state of (the oldest are forgotten first). */
const MAX_REMEMBERED = 10_000;

export interface SessionClaims {
  /** Session id: random, what sign-out revokes. */
  readonly sid: string;
  /** The API key the agent signed in with. */
  readonly keyId: string;
  readonly issuedAt: number;
  readonly seenAt: number;
}

export type SessionCheck =
  | { readonly ok: true; readonly claims: SessionClaims; readonly renewed?: string }
  | { readonly ok: false; readonly reason: string };

export interface SessionTimes {
  readonly expiresAt: string;
  readonly idleExpiresAt: string;
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/**
 * The server secret: SESSION_SECRET, or the content of SESSION_SECRET_FILE (give every API process the
 * same one), else a random one kept in DATA_DIR/session-secret, created on first start (shared only by
 * processes on one data folder). loadConfig refuses both at once, and neither where processes share no
 * data folder.
 */
export function loadSessionSecret(config: ChronicleConfig): Buffer {
  if (config.SESSION_SECRET !== undefined) return Buffer.from(config.SESSION_SECRET, 'utf8');
  if (config.SESSION_SECRET_FILE !== undefined) return secretFromFile(config.SESSION_SECRET_FILE);
  const path = join(config.DATA_DIR, SECRET_FILE);
  const kept = keptSecret(path);
  if (kept) return kept;
  ensureWritableFolder(config.DATA_DIR, 'DATA_DIR');
  const secret = randomBytes(32);
  try {
    // Whole or not at all: another process starting at once reads this secret, never half of it.
    if (createFileOnce(path, secret.toString('hex') + '\n')) return secret;
  } catch (error) {
    throw new StartupError([describeSetting('SESSION_SECRET', '(unset)', `and ${path} cannot be written (${systemReason(error)})`)]);
  }
  // Another process of this deployment made it first: use theirs.
  return keptSecret(path) as Buffer;
}

/** The secret kept in DATA_DIR, or undefined where there is none yet; one too short to sign with is refused by name. */
function keptSecret(path: string): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw new StartupError([describeSetting('SESSION_SECRET', '(unset)', `and ${path} cannot be read (${systemReason(error)})`)]);
  }
  const secret = Buffer.from(text, 'hex');
  if (secret.length < 32 || !/^[0-9a-f]+$/i.test(text)) {
    throw new StartupError([
      describeSetting('SESSION_SECRET', '(unset)', `and ${path} holds no valid secret (${secret.length} bytes of hex, 32 needed): remove the file to have a new one made on the next start (it signs every console session out)`),
    ]);
  }
  return secret;
}

/** The secret is the file's text without its final line break; its value is never shown. */
function secretFromFile(path: string): Buffer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new StartupError([describeSetting('SESSION_SECRET_FILE', path, `the file cannot be read (${systemReason(error)})`)]);
  }
  if (text.length < 32) {
    throw new StartupError([describeSetting('SESSION_SECRET_FILE', path, `the file holds ${text.length} characters: give at least 32 (a random string, the same for every process; the value is not shown)`)]);
  }
  return Buffer.from(text, 'utf8');
}

export interface SessionsOptions {
  /** The deployment's shared record of sign-outs; without it (a process serving no API) a sign-out is known to this process only. */
  readonly revocations?: SessionRevocations;
  /** How long a session found not revoked is believed so without asking the store again, in ms (0: ask on every request). */
  readonly revocationCacheMs?: number;
  /** Monotonic milliseconds for that cache (the session clock may be a test's fixed clock). */
  readonly monotonicNow?: () => number;
}

interface Remembered {
  readonly revoked: boolean;
  /** Monotonic time of the answer. */
  readonly at: number;
}

export class Sessions {
  /** What this process last learnt of each session's revocation, oldest first. */
  private readonly remembered = new Map<string, Remembered>();
  /** Store reads under way, so concurrent requests of one session ask once. */
  private readonly asking = new Map<string, Promise<boolean>>();
  /** Sign-outs when there is no shared store: session id → when it would have ended anyway. */
  private readonly local = new Map<string, number>();
  private readonly cacheMs: number;
  private readonly monotonicNow: () => number;

  constructor(
    private readonly secret: Buffer,
    private readonly idleMs: number,
    private readonly maxMs: number,
    private readonly options: SessionsOptions = {},
  ) {
    if (secret.length < 32) throw new Error('A session secret needs at least 32 bytes');
    this.cacheMs = options.revocationCacheMs ?? 0;
    this.monotonicNow = options.monotonicNow ?? (() => performance.now());
  }

  issue(keyId: string, now: Date): { token: string; claims: SessionClaims } {
    const claims: SessionClaims = { sid: base64url(randomBytes(18)), keyId, issuedAt: now.getTime(), seenAt: now.getTime() };
    return { token: this.sign(claims), claims };
  }

  /**
   * Whether a cookie's token is a live session; `renewed` is a token to set when the idle timer moved.
   * `renew: false` for a request the agent did not make (a page refreshing itself): it is answered,
   * but does not count as activity.
   */
  async check(token: string, now: Date, options: { readonly renew?: boolean } = {}): Promise<SessionCheck> {
    const [version, payload, signature, extra] = token.split('.');
    if (version !== 'v1' || payload === undefined || signature === undefined || extra !== undefined) return { ok: false, reason: 'The session cookie is not one this server issued' };
    const expected = this.mac(`v1.${payload}`);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'The session cookie is not one this server issued' };
    let claims: SessionClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as SessionClaims;
    } catch {
      return { ok: false, reason: 'The session cookie is not one this server issued' };
    }
    const at = now.getTime();
    if (at >= claims.issuedAt + this.maxMs) return { ok: false, reason: 'The session reached its time limit' };
    if (at >= claims.seenAt + this.idleMs) return { ok: false, reason: 'The session ended after a time without activity' };
    if (await this.isRevoked(claims.sid)) return { ok: false, reason: 'This session was signed out' };
    if (options.renew === false || at - claims.seenAt < Math.min(RENEW_AFTER_MS, this.idleMs / 10)) return { ok: true, claims };
    const renewedClaims = { ...claims, seenAt: at };
    return { ok: true, claims: renewedClaims, renewed: this.sign(renewedClaims) };
  }

  /** Ends the session for every process on the shared store (this one at once, the others within the cache time). */
  async revoke(claims: SessionClaims, now: Date): Promise<void> {
    const until = new Date(claims.issuedAt + this.maxMs);
    if (this.options.revocations) {
      await this.options.revocations.revoke(claims.sid, until);
    } else {
      for (const [sid, end] of this.local) if (end <= now.getTime()) this.local.delete(sid);
      this.local.set(claims.sid, until.getTime());
    }
    this.remember(claims.sid, true);
  }

  private async isRevoked(sid: string): Promise<boolean> {
    const store = this.options.revocations;
    if (!store) return this.local.has(sid);
    const known = this.remembered.get(sid);
    if (known && (known.revoked || this.monotonicNow() - known.at < this.cacheMs)) return known.revoked;
    let asked = this.asking.get(sid);
    if (!asked) {
      asked = store.isRevoked(sid).finally(() => this.asking.delete(sid));
      this.asking.set(sid, asked);
    }
    const revoked = await asked;
    // A read that began before this process signed the session out must not bring it back.
    if (this.remembered.get(sid)?.revoked) return true;
    this.remember(sid, revoked);
    return revoked;
  }

  private remember(sid: string, revoked: boolean): void {
    this.remembered.delete(sid);
    this.remembered.set(sid, { revoked, at: this.monotonicNow() });
    if (this.remembered.size > MAX_REMEMBERED) {
      const oldest = this.remembered.keys().next().value;
      if (oldest !== undefined) this.remembered.delete(oldest);
    }
  }

  /** The anti-CSRF token of a session: derived from it, so every tab can fetch it and no other site can. */
  csrfToken(claims: SessionClaims): string {
    return this.mac(`csrf.${claims.sid}`).toString('base64url');
  }

  csrfTokenMatches(claims: SessionClaims, presented: string | undefined): boolean {
    if (presented === undefined) return false;
    const expected = Buffer.from(this.csrfToken(claims));
    const given = Buffer.from(presented);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  times(claims: SessionClaims): SessionTimes {
    return {
      expiresAt: new Date(claims.issuedAt + this.maxMs).toISOString(),
      idleExpiresAt: new Date(Math.min(claims.seenAt + this.idleMs, claims.issuedAt + this.maxMs)).toISOString(),
    };
  }

  private sign(claims: SessionClaims): string {
    const payload = `v1.${base64url(JSON.stringify(claims))}`;
    return `${payload}.${this.mac(payload).toString('base64url')}`;
  }

  private mac(text: string): Buffer {
    return createHmac('sha256', this.secret).update(text, 'utf8').digest();
  }
}

export const SESSIONS = Symbol('Sessions');

/** The session cookie's value, if the request has one. */
export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Sets the cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it),
 * Secure when the request came over TLS, no Expires (it ends with the browser session), Path=/ (the
 * API and the console).
 */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  // Fastify's header() adds a Set-Cookie beside any set before; it never replaces one.
  reply.header('Set-Cookie', sessionCookie(token, request));
}

/** Clears it: the same cookie, empty and expired at the epoch (what browsers drop at once). */
export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('Set-Cookie', sessionCookie('', request, new Date(1)));
}

/**
 * The Set-Cookie value, attribute for attribute and in the order Express's res.cookie wrote it (the
 * `cookie` package's serialize): `name=value; Path=/[; Expires=…]; HttpOnly[; Secure]; SameSite=Strict`.
 * Secure when the request came over https: the socket is TLS, or a trusted proxy (TRUST_PROXY) says
 * so in X-Forwarded-Proto (Fastify's request.protocol).
 */
function sessionCookie(value: string, request: FastifyRequest, expires?: Date): string {
  let cookie = `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/`;
  if (expires) cookie += `; Expires=${expires.toUTCString()}`;
  cookie += '; HttpOnly';
  if (request.protocol === 'https') cookie += '; Secure';
  return `${cookie}; SameSite=Strict`;
}
