import { ConfigError, loadConfig } from './chronicle-config';

describe('REPORTING_CURRENCY', () => {
  it('is EUR unless set, and takes any upper-case ISO 4217 code with a minor unit', () => {
    expect(loadConfig({}).REPORTING_CURRENCY).toBe('EUR');
    expect(loadConfig({ REPORTING_CURRENCY: 'JPY' }).REPORTING_CURRENCY).toBe('JPY');
  });

  it.each([
    ['eur', 'REPORTING_CURRENCY="eur": REPORTING_CURRENCY must be the upper-case ISO 4217 code: did you mean EUR?'],
    ['XYZ', 'REPORTING_CURRENCY="XYZ": REPORTING_CURRENCY "XYZ" is not an active ISO 4217 currency code'],
    ['XAU', 'REPORTING_CURRENCY="XAU": REPORTING_CURRENCY XAU has no minor unit'],
  ])('stops the start on %p, naming the variable', (value, message) => {
    expect(() => loadConfig({ REPORTING_CURRENCY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ REPORTING_CURRENCY: value })).toThrow(message);
  });
});

describe('console session settings', () => {
  it('default to 30 idle minutes and 12 hours, with no secret (one is kept in DATA_DIR)', () => {
    const config = loadConfig({});
    expect([config.SESSION_IDLE_MINUTES, config.SESSION_MAX_HOURS, config.SESSION_SECRET]).toEqual([30, 12, undefined]);
  });

  it('refuse a short secret without quoting it, with the other bad settings of the same start', () => {
    const secret = 'short-secret-value';
    let error: unknown;
    try {
      loadConfig({ SESSION_SECRET: secret, SESSION_IDLE_MINUTES: '0' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([expect.stringMatching(/^SESSION_IDLE_MINUTES="0"/), expect.stringMatching(/^SESSION_SECRET is set but has 18 characters: give at least 32/)]);
    expect(problems.join('\n')).not.toContain(secret);
    expect(loadConfig({ SESSION_SECRET: 'x'.repeat(32) }).SESSION_SECRET).toHaveLength(32);
  });

  const problemsOf = (env: Record<string, string>): readonly string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return error.problems;
    }
  };

  it('take the secret one way only: SESSION_SECRET or SESSION_SECRET_FILE, not both', () => {
    expect(problemsOf({ SESSION_SECRET: 'x'.repeat(32), SESSION_SECRET_FILE: '/run/secrets/session-secret' })).toEqual([
      expect.stringMatching(/^SESSION_SECRET and SESSION_SECRET_FILE are both set/),
    ]);
    expect(loadConfig({ SESSION_SECRET_FILE: '/run/secrets/session-secret' }).SESSION_SECRET_FILE).toBe('/run/secrets/session-secret');
  });

  it('need a shared secret for an API process on EventStoreDB (no shared data folder), and not for the other roles', () => {
    const esdb = { EVENT_STORE: 'eventstoredb', EVENTSTORE_URL: 'esdb://eventstore:2113?tls=false' };
    for (const role of ['all', 'command-api', 'query-api']) {
      expect(problemsOf({ ...esdb, CHRONICLE_ROLE: role })).toEqual([expect.stringMatching(new RegExp(`^SESSION_SECRET_FILE \\(or SESSION_SECRET\\) is required when CHRONICLE_ROLE=${role} and EVENT_STORE=eventstoredb`))]);
      expect(problemsOf({ ...esdb, CHRONICLE_ROLE: role, SESSION_SECRET_FILE: '/run/secrets/session-secret' })).toEqual([]);
    }
    for (const role of ['worker', 'projector']) expect(problemsOf({ ...esdb, CHRONICLE_ROLE: role })).toEqual([]);
    expect(problemsOf({ CHRONICLE_ROLE: 'query-api' })).toEqual([]);
  });

  it('believe a session found not signed out for 5 s by default (0: ask the shared record on every request)', () => {
    expect(loadConfig({}).SESSION_REVOCATION_CACHE_MS).toBe(5000);
    expect(loadConfig({ SESSION_REVOCATION_CACHE_MS: '0' }).SESSION_REVOCATION_CACHE_MS).toBe(0);
    expect(problemsOf({ SESSION_REVOCATION_CACHE_MS: '-1' })).toEqual([expect.stringMatching(/^SESSION_REVOCATION_CACHE_MS="-1"/)]);
  });

  it('give a stopped projector\'s partitions to the others after 30 s by default, within what the broker allows', () => {
    expect(loadConfig({}).KAFKA_SESSION_TIMEOUT_MS).toBe(30_000);
    expect(loadConfig({ KAFKA_SESSION_TIMEOUT_MS: '10000' }).KAFKA_SESSION_TIMEOUT_MS).toBe(10_000);
    // Below the broker's default group.min.session.timeout.ms (6 s) the group refuses to join.
    expect(problemsOf({ KAFKA_SESSION_TIMEOUT_MS: '1000' })).toEqual([expect.stringMatching(/^KAFKA_SESSION_TIMEOUT_MS="1000"/)]);
  });

  it('hand a Kafka projector 3 partitions\' batches at once by default, at least 1', () => {
    expect(loadConfig({}).KAFKA_PROJECTOR_PARTITIONS_IN_FLIGHT).toBe(3);
    expect(loadConfig({ KAFKA_PROJECTOR_PARTITIONS_IN_FLIGHT: '1' }).KAFKA_PROJECTOR_PARTITIONS_IN_FLIGHT).toBe(1);
    expect(problemsOf({ KAFKA_PROJECTOR_PARTITIONS_IN_FLIGHT: '0' })).toEqual([expect.stringMatching(/^KAFKA_PROJECTOR_PARTITIONS_IN_FLIGHT="0"/)]);
    expect(problemsOf({ KAFKA_PROJECTOR_PARTITIONS_IN_FLIGHT: '2.5' })).toEqual([expect.stringMatching(/^KAFKA_PROJECTOR_PARTITIONS_IN_FLIGHT="2.5"/)]);
  });

  it('commit the SQLite read store\'s writes where the process suits by default, or as told', () => {
    expect(loadConfig({}).SQLITE_READ_STORE_WRITES).toBe('auto');
    expect(loadConfig({ SQLITE_READ_STORE_WRITES: 'inline' }).SQLITE_READ_STORE_WRITES).toBe('inline');
    expect(loadConfig({ SQLITE_READ_STORE_WRITES: 'thread' }).SQLITE_READ_STORE_WRITES).toBe('thread');
    expect(problemsOf({ SQLITE_READ_STORE_WRITES: 'later' })).toEqual([expect.stringMatching(/^SQLITE_READ_STORE_WRITES="later"/)]);
  });
});

describe('TRUST_PROXY', () => {
  it('believes no proxy unless set', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe('');
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe('1');
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toBe('loopback, 10.0.0.0/8');
  });

  it.each([
    ['true', /TRUST_PROXY="true": TRUST_PROXY cannot trust every peer/],
    ['10.0.0.0/33', /TRUST_PROXY="10.0.0.0\/33": TRUST_PROXY has '10.0.0.0\/33', which is not/],
    ['gateway', /TRUST_PROXY has 'gateway'/],
    ['11', /at most 10/],
  ])('stops the start on %p, naming the variable and the entry', (value, message) => {
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(message);
  });
});

describe('ACCESS_LOG_COMMITS', () => {
  it('commits on the access log\'s thread unless set; inline at synchronous NORMAL', () => {
    expect(loadConfig({}).ACCESS_LOG_COMMITS).toBe('thread');
    expect(loadConfig({ ACCESS_LOG_COMMITS: 'inline' }).ACCESS_LOG_COMMITS).toBe('inline');
  });

  it('stops the start on inline with SQLITE_SYNCHRONOUS=FULL, and on an unknown value, naming the variable', () => {
    expect(() => loadConfig({ ACCESS_LOG_COMMITS: 'inline', SQLITE_SYNCHRONOUS: 'FULL' })).toThrow(/ACCESS_LOG_COMMITS=inline needs SQLITE_SYNCHRONOUS=NORMAL/);
    expect(() => loadConfig({ ACCESS_LOG_COMMITS: 'sometimes' })).toThrow(/ACCESS_LOG_COMMITS="sometimes"/);
    expect(loadConfig({ ACCESS_LOG_COMMITS: 'thread', SQLITE_SYNCHRONOUS: 'FULL' }).ACCESS_LOG_COMMITS).toBe('thread');
  });
});

// Found from outside: the deployed Kafka projector fetched with kafkajs' 5,000 ms wait, and a write
// showed in the read models 2–5 s later on an idle deployment, so a read with minPosition gave up
// (READ_WAIT_TIMEOUT_MS, 2 s) 5 times out of 5.
describe('KAFKA_FETCH_MAX_WAIT_MS', () => {
  const kafka = { TRANSPORT: 'kafka', KAFKA_BROKERS: 'localhost:9092' };

  it('is 100 ms unless set, well within how long a read waits for its position', () => {
    const config = loadConfig(kafka);
    expect(config.KAFKA_FETCH_MAX_WAIT_MS).toBe(100);
    expect(config.KAFKA_FETCH_MAX_WAIT_MS * 4).toBeLessThanOrEqual(config.READ_WAIT_TIMEOUT_MS);
  });

  it('stops the start on a wait that would outlast a quarter of READ_WAIT_TIMEOUT_MS, naming both', () => {
    expect(() => loadConfig({ ...kafka, KAFKA_FETCH_MAX_WAIT_MS: '5000' })).toThrow(/KAFKA_FETCH_MAX_WAIT_MS=5000.*READ_WAIT_TIMEOUT_MS \(2000\)/);
    expect(loadConfig({ ...kafka, KAFKA_FETCH_MAX_WAIT_MS: '2500', READ_WAIT_TIMEOUT_MS: '10000' }).KAFKA_FETCH_MAX_WAIT_MS).toBe(2500);
    expect(() => loadConfig({ ...kafka, KAFKA_FETCH_MAX_WAIT_MS: '5' })).toThrow(/KAFKA_FETCH_MAX_WAIT_MS/);
    // Reads that never wait have no wait to outlast.
    expect(loadConfig({ ...kafka, READ_WAIT_TIMEOUT_MS: '0' }).KAFKA_FETCH_MAX_WAIT_MS).toBe(100);
  });
});
