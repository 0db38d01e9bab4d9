// Browser sessions for the support console: an agent trades their API key once for a cookie the page
// cannot read (HttpOnly), so no long-lived key sits in page-readable storage and every tab of the
// browser shares the sign-in. The cookie holds a token signed with a server secret (HMAC-SHA256):
// which key it stands for, when it was issued (absolute expiry) and last used (idle expiry, renewed
// as the agent works). It carries no role: the key's roles are looked up on every request, so a
// revoked key ends its sessions at once. Signing out revokes the session on this process and clears
// the cookie.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Request, Response } from 'express';
import { describeSetting, StartupError } from '../config/env-config';
import type { ChronicleConfig } from '../config/chronicle-config';
import { ensureWritableFolder, systemReason } from '../config/writable-folder';

export const SESSION_COOKIE = 'chronicle_session';
/** The header a cookie-authenticated POST, PUT, PATCH or DELETE must carry, with the session's token from GET /v1/me. */
export const CSRF_HEADER = 'x-csrf-token';
/** Renew the idle timer at most this often (each renewal is a Set-Cookie). */
const RENEW_AFTER_MS = 60_000;
const SECRET_FILE = 'session-secret';

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
 * The server secret: SESSION_SECRET when set (give every replica the same one), else a random one
 * kept in DATA_DIR/session-secret, created on first start.
 */
export function loadSessionSecret(config: ChronicleConfig): Buffer {
  if (config.SESSION_SECRET !== undefined) return Buffer.from(config.SESSION_SECRET, 'utf8');
  const path = join(config.DATA_DIR, SECRET_FILE);
  try {
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') {
      throw new StartupError([describeSetting('SESSION_SECRET', '(unset)', `and ${path} cannot be read (${systemReason(error)})`)]);
    }
  }
  ensureWritableFolder(config.DATA_DIR, 'DATA_DIR');
  const secret = randomBytes(32);
  try {
    writeFileSync(path, secret.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    // Another process of this deployment wrote it first: use theirs.
    if ((error as { code?: string }).code === 'EEXIST') return Buffer.from(readFileSync(path, 'utf8').trim(), 'hex');
    throw new StartupError([describeSetting('SESSION_SECRET', '(unset)', `and ${path} cannot be written (${systemReason(error)})`)]);
  }
}

export class Sessions {
  /** Signed-out sessions, until they would have expired anyway. */
  private readonly revoked = new Map<string, number>();

  constructor(
    private readonly secret: Buffer,
    private readonly idleMs: number,
    private readonly maxMs: number,
  ) {
    if (secret.length < 32) throw new Error('A session secret needs at least 32 bytes');
  }

  issue(keyId: string, now: Date): { token: string; claims: SessionClaims } {
    const claims: SessionClaims = { sid: base64url(randomBytes(18)), keyId, issuedAt: now.getTime(), seenAt: now.getTime() };
    return { token: this.sign(claims), claims };
  }

  /** Whether a cookie's token is a live session; `renewed` is a token to set when the idle timer moved. */
  check(token: string, now: Date): SessionCheck {
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
    if (this.revoked.has(claims.sid)) return { ok: false, reason: 'This session was signed out' };
    if (at >= claims.issuedAt + this.maxMs) return { ok: false, reason: 'The session reached its time limit' };
    if (at >= claims.seenAt + this.idleMs) return { ok: false, reason: 'The session ended after a time without activity' };
    if (at - claims.seenAt < RENEW_AFTER_MS) return { ok: true, claims };
    const renewedClaims = { ...claims, seenAt: at };
    return { ok: true, claims: renewedClaims, renewed: this.sign(renewedClaims) };
  }

  revoke(claims: SessionClaims, now: Date): void {
    for (const [sid, until] of this.revoked) if (until <= now.getTime()) this.revoked.delete(sid);
    this.revoked.set(claims.sid, claims.issuedAt + this.maxMs);
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
export function sessionCookieOf(request: Request): string | undefined {
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
export function setSessionCookie(request: Request, response: Response, token: string): void {
  response.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: request.secure, path: '/' });
}

export function clearSessionCookie(request: Request, response: Response): void {
  response.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: request.secure, path: '/' });
}
