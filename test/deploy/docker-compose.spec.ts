// What docker-compose.yml promises a platform team (issue 15), checked on the file itself: data on
// volumes at the paths the engines really write to, restart policies, health checks that can fail,
// no published engine port, secrets from files rather than plaintext environment, versions that
// match the tests. (`docker-compose config` validates the syntax in test/run-all.sh.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');

interface Service {
  image?: string;
  build?: unknown;
  restart?: string;
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[] | string; disable?: boolean; retries?: number };
  secrets?: string[];
  depends_on?: Record<string, { condition: string }>;
  networks?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as Compose;
const services = Object.entries(compose.services);
const CHRONICLE_ROLES = ['command-api', 'query-api', 'worker', 'projector'];

/** The named volume mounted at `path` in a service, if any. */
function volumeAt(service: Service, path: string): string | undefined {
  const found = (service.volumes ?? []).map((v) => v.split(':')).find(([, target]) => target === path);
  return found?.[0];
}

function healthTest(service: Service): string {
  const test = service.healthcheck?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}

describe('docker-compose.yml', () => {
  it('restarts every service unless stopped', () => {
    expect(services.filter(([, s]) => s.restart !== 'unless-stopped' && s.restart !== 'always').map(([name]) => name)).toEqual([]);
  });

  it('gives every service a health check that runs a real probe', () => {
    for (const [name, service] of services) {
      expect({ name, disabled: service.healthcheck?.disable === true, probe: healthTest(service).length > 0, retries: (service.healthcheck?.retries ?? 0) > 0 })
        .toEqual({ name, disabled: false, probe: true, retries: true });
      expect({ name, test: healthTest(service) }).not.toEqual({ name, test: expect.stringMatching(/^(CMD(-SHELL)?\s+)?(true|exit 0)$/) });
    }
  });

  it('checks the apps for readiness, MongoDB for an elected primary, and starts the apps only on healthy engines', () => {
    for (const role of CHRONICLE_ROLES) {
      const service = compose.services[role];
      expect(service?.environment?.['CHRONICLE_ROLE']).toBe(role);
      expect(healthTest(service as Service)).toContain('/health/ready');
      for (const engine of ['eventstore', 'kafka', 'mongo']) expect(service?.depends_on?.[engine]?.condition).toBe('service_healthy');
    }
    expect(healthTest(compose.services['mongo'] as Service)).toContain('isWritablePrimary');
  });

  it('keeps every engine\'s data on a declared named volume at the directory the engine writes to', () => {
    const eventstore = compose.services['eventstore'] as Service;
    const kafka = compose.services['kafka'] as Service;
    const mongo = compose.services['mongo'] as Service;
    const mounts: [Service, string][] = [
      [eventstore, eventstore.environment?.['EVENTSTORE_DB'] ?? '/var/lib/eventstore'],
      // Without KAFKA_LOG_DIRS the apache/kafka image writes to /tmp/kraft-combined-logs, off the volume.
      [kafka, kafka.environment?.['KAFKA_LOG_DIRS'] ?? '/tmp/kraft-combined-logs'],
      [mongo, '/data/db'],
      [mongo, '/data/configdb'],
    ];
    for (const [service, path] of mounts) {
      const volume = volumeAt(service, path);
      expect({ path, volume }).toEqual({ path, volume: expect.any(String) });
      expect(Object.keys(compose.volumes)).toContain(volume);
    }
    expect(eventstore.environment?.['EVENTSTORE_INDEX']).toMatch(/^\/var\/lib\/eventstore\//);
  });

  it('publishes no engine port: only the gateway is reachable from the host, and EventStoreDB has AtomPub off', () => {
    expect(services.filter(([, s]) => (s.ports ?? []).length > 0).map(([name]) => name)).toEqual(['gateway']);
    expect(compose.services['eventstore']?.environment?.['EVENTSTORE_ENABLE_ATOM_PUB_OVER_HTTP']).toBe('false');
  });

  it('reads the master key, the hashed API keys and the session secret from secret files, never from plaintext environment', () => {
    for (const role of CHRONICLE_ROLES) {
      const service = compose.services[role] as Service;
      const env = service.environment ?? {};
      expect(Object.keys(env).filter((name) => name === 'API_KEYS' || name === 'MASTER_KEY' || name === 'SESSION_SECRET')).toEqual([]);
      for (const variable of ['MASTER_KEY_FILE', 'API_KEYS_FILE', 'SESSION_SECRET_FILE']) {
        const secret = /^\/run\/secrets\/(.+)$/.exec(env[variable] ?? '')?.[1];
        expect({ variable, secret }).toEqual({ variable, secret: expect.any(String) });
        expect(service.secrets).toContain(secret);
        expect(compose.secrets[secret as string]?.file).toMatch(/^\.\/deploy\/secrets\//);
      }
    }
  });

  it('gives both APIs the same session secret, so a console sign-in through one is honoured by the other', () => {
    const secretOf = (role: string) => compose.services[role]?.environment?.['SESSION_SECRET_FILE'];
    expect(secretOf('command-api')).toMatch(/^\/run\/secrets\//);
    expect(secretOf('query-api')).toBe(secretOf('command-api'));
  });

  it('runs the Kafka version the engine suites run, keeps events forever, and sets replication explicitly', () => {
    const pinned = /KAFKA_VERSION="([^"]+)"/.exec(readFileSync(join(ROOT, 'deploy/engines/engines-config.sh'), 'utf8'))?.[1];
    const kafka = compose.services['kafka'] as Service;
    expect(kafka.image).toBe(`apache/kafka:${pinned}`);
    expect(kafka.environment?.['KAFKA_LOG_RETENTION_MS']).toBe('-1');
    const app = compose.services['worker']?.environment ?? {};
    expect(app['KAFKA_REPLICATION_FACTOR']).toMatch(/^\d+$/);
    expect(app['KAFKA_MIN_INSYNC_REPLICAS']).toMatch(/^\d+$/);
  });

  it('builds the image on a current Node LTS line, with a data folder the image\'s user owns', () => {
    const dockerfile = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8');
    const bases = [...dockerfile.matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));
    expect(bases.length).toBeGreaterThan(0);
    for (const major of bases) expect(major).toBeGreaterThanOrEqual(22);
    expect(dockerfile).toMatch(/chown node:node \/data[\s\S]*VOLUME \/data[\s\S]*USER node/);
  });
});
