// Behind a gateway that terminates TLS the server sees plain HTTP: the session cookie is marked Secure
// only when a peer named in TRUST_PROXY says the client came over https (X-Forwarded-Proto). A client
// that reaches the server directly cannot make that claim (defect: with no way to trust the gateway,
// the console's cookie was never Secure behind it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyRegistry } from '@app/platform';
import { startChronicle, type RunningChronicle } from '@app/composition';

describe('TRUST_PROXY and the session cookie', () => {
  const running: RunningChronicle[] = [];
  const dataDirs: string[] = [];

  async function start(trustProxy?: string): Promise<{ url: string; key: string }> {
    const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-trust-proxy-'));
    dataDirs.push(dataDir);
    const keyFile = join(dataDir, 'api-keys.json');
    const key = ApiKeyRegistry.addToFile(keyFile, 'support', 'Ada Lovelace', new Date());
    const chronicle = await startChronicle(
      { DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', API_KEYS_FILE: keyFile, ...(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy }) },
      { announce: () => undefined },
    );
    running.push(chronicle);
    return { url: chronicle.url, key };
  }

  afterAll(async () => {
    for (const chronicle of running) await chronicle.close();
    for (const dataDir of dataDirs) rmSync(dataDir, { recursive: true, force: true });
  });

  /** The session cookie a sign-in sets, sent with the given forwarded protocol. */
  async function sessionCookie(server: { url: string; key: string }, forwardedProto?: string): Promise<string> {
    const answer = await fetch(`${server.url}/v1/session`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.key}`, ...(forwardedProto ? { 'X-Forwarded-Proto': forwardedProto } : {}) },
    });
    expect(answer.status).toBe(201);
    return answer.headers.getSetCookie().find((cookie) => cookie.startsWith('chronicle_session=')) as string;
  }

  it('ignores X-Forwarded-Proto by default: a client cannot claim https', async () => {
    const server = await start();
    expect(await sessionCookie(server, 'https')).not.toMatch(/; Secure/);
    expect(await sessionCookie(server)).not.toMatch(/; Secure/);
  });

  it('marks the cookie Secure when a trusted gateway (here on the loopback) says https, and not when it says http', async () => {
    const server = await start('loopback');
    expect(await sessionCookie(server, 'https')).toMatch(/; HttpOnly; Secure; SameSite=Strict$/);
    expect(await sessionCookie(server, 'http')).not.toMatch(/; Secure/);
    expect(await sessionCookie(server)).not.toMatch(/; Secure/);
    // Behind a chain of proxies the header lists each hop's protocol; the gateway's own (last) counts.
    expect(await sessionCookie(server, 'http, https')).toMatch(/; Secure/);
  });

  it('believes a hop count: the one proxy in front, whatever its address', async () => {
    const server = await start('1');
    expect(await sessionCookie(server, 'https')).toMatch(/; Secure/);
  });

  it('ignores the header from a peer outside the trusted ranges', async () => {
    const server = await start('10.0.0.0/8, fd00::/8');
    expect(await sessionCookie(server, 'https')).not.toMatch(/; Secure/);
  });

  it('refuses to start when told to trust every peer, naming the setting', async () => {
    await expect(start('true')).rejects.toThrow(/TRUST_PROXY="true": TRUST_PROXY cannot trust every peer/);
  });
});
