// The split layout's one entry point for end-to-end suites: a real nginx running the shipped route
// map (deploy/gateway/nginx.conf) with the compose service names pointed at this test's processes.
// Used by test/e2e/gateway.e2e-spec.ts and test/e2e/split-layout.e2e-spec.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from './eventually';
import { freePort } from './free-port';

export { freePort };

/** Where nginx is installed (deploy/gateway/install-nginx.sh), or undefined. */
export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));

export interface Gateway {
  /** `http://127.0.0.1:<port>`: the one origin clients talk to. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts nginx with the shipped route map in `dir` (its config, pid, logs and temp folders go there),
 * sending commands to `upstreams.commandApi` and queries to `upstreams.queryApi` (URLs of the processes).
 * Resolves once the gateway answers.
 */
export async function startGateway(dir: string, upstreams: { commandApi: string; queryApi: string }): Promise<Gateway> {
  if (!NGINX) throw new Error('nginx is not installed (bash deploy/gateway/install-nginx.sh)');
  const port = await freePort();
  const site = readFileSync(join(__dirname, '..', '..', 'deploy', 'gateway', 'nginx.conf'), 'utf8')
    .replace('server command-api:3000;', `server ${new URL(upstreams.commandApi).host};`)
    .replace('server query-api:3000;', `server ${new URL(upstreams.queryApi).host};`)
    .replace(/listen 8080;/, `listen 127.0.0.1:${port};`)
    .replace('alias /etc/chronicle/openapi.json;', `alias ${join(__dirname, '..', '..', 'deploy', 'gateway', 'openapi.json')};`);
  writeFileSync(join(dir, 'site.conf'), site);
  writeFileSync(join(dir, 'nginx.conf'), [
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    'daemon off;', 'worker_processes 1;', `pid ${join(dir, 'nginx.pid')};`, `error_log ${join(dir, 'error.log')} warn;`,
    'events { worker_connections 256; }',
    `http { access_log off; client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi; include ${join(dir, 'site.conf')}; }`,
  ].join('\n'));
  const nginx: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (nginx.exitCode !== null || nginx.signalCode !== null) return;
    const exited = new Promise((resolve) => nginx.once('exit', resolve));
    nginx.kill('SIGTERM');
    await exited;
  };
  try {
    await eventually(async () => {
      if (nginx.exitCode !== null) throw new Error(`nginx exited with ${nginx.exitCode}: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
      const health = await fetch(`${url}/gateway/health`);
      if (!health.ok) throw new Error(`gateway answered ${health.status}`);
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}
