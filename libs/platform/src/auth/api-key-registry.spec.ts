import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyRegistry, generateApiKey, hashApiKey } from './api-key-registry';

const NOW = new Date('2026-12-01T00:00:00Z');

describe('ApiKeyRegistry on a key file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chronicle-keys-'));
    file = join(dir, 'api-keys.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('on first start keeps its new keys in memory; they are written, and returned to be shown, only by persistNewKeys', () => {
    const registry = ApiKeyRegistry.forFile(file, NOW);
    expect(existsSync(file)).toBe(false);
    const created = registry.persistNewKeys();
    expect(created.map((c) => c.role)).toEqual(['ingest', 'support', 'analyst', 'auditor', 'admin']);
    const stored = readFileSync(file, 'utf8');
    for (const { key } of created) {
      expect(stored).not.toContain(key);
      expect(registry.authenticate(key)).not.toBeNull();
    }
    expect(registry.persistNewKeys()).toEqual([]);
  });

  it('shows nothing and takes the file\'s keys when another process wrote the file first', () => {
    const registry = ApiKeyRegistry.forFile(file, NOW);
    const theirs = ApiKeyRegistry.addToFile(file, 'support', 'other-process', NOW);
    expect(registry.persistNewKeys()).toEqual([]);
    expect(registry.authenticate(theirs)?.roles).toEqual(['support']);
  });

  it('follows the file: a key added by the CLI counts at once, a key removed by hand stops counting, no restart', () => {
    const first = ApiKeyRegistry.addToFile(file, 'support', 'first', NOW);
    const registry = ApiKeyRegistry.forFile(file, NOW);
    expect(registry.authenticate(first)).not.toBeNull();
    const added = ApiKeyRegistry.addToFile(file, 'analyst', 'added', NOW);
    expect(registry.authenticate(added)?.label).toBe('added');
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { keys: { sha256: string }[] };
    writeFileSync(file, JSON.stringify({ keys: parsed.keys.filter((key) => key.sha256 !== hashApiKey(first)) }));
    expect(registry.authenticate(first)).toBeNull();
    expect(registry.authenticate(added)).not.toBeNull();
  });

  it('refuses to add a key whose label is no one line of text, and names by a safe label a key whose label was edited into the file by hand', () => {
    for (const label of ['two\nlines', 'Ada\u202Eecalevol', '  ', '\u200b', '\u00ad\u2060', 'x'.repeat(101)]) expect(() => ApiKeyRegistry.addToFile(file, 'support', label, NOW)).toThrow(/label must/);
    expect(existsSync(file)).toBe(false);
    const key = ApiKeyRegistry.addToFile(file, 'support', 'Ada', NOW);
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { keys: { label: string }[] };
    writeFileSync(file, JSON.stringify({ keys: parsed.keys.map((stored) => ({ ...stored, label: 'Ada\u202E\u001b[31m Lovelace\n' })) }));
    expect(ApiKeyRegistry.forFile(file, NOW).authenticate(key)?.label).toBe('Ada [31m Lovelace');
  });

  it('keeps the keys it has when the file turns unreadable or vanishes (an editor saving it), and picks up the next good version', () => {
    const key = ApiKeyRegistry.addToFile(file, 'support', 'kept', NOW);
    const registry = ApiKeyRegistry.forFile(file, NOW);
    writeFileSync(file, '{"keys": [');
    expect(registry.authenticate(key)).not.toBeNull();
    rmSync(file);
    expect(registry.authenticate(key)).not.toBeNull();
    const next = generateApiKey('admin');
    writeFileSync(file, JSON.stringify({ keys: [{ id: 'n', label: 'next', roles: ['admin'], sha256: hashApiKey(next), createdAt: NOW.toISOString() }] }));
    expect(registry.authenticate(next)?.label).toBe('next');
    expect(registry.authenticate(key)).toBeNull();
  });
});

describe('ApiKeyRegistry from API_KEYS', () => {
  it('names every bad entry at once', () => {
    expect(() => ApiKeyRegistry.fromEnv('ingest=short,boss=0123456789abcdefgh,support=0123456789abcdefgh', NOW)).toThrow(
      expect.objectContaining({ problems: [expect.stringMatching(/^API_KEYS entry 1 /), expect.stringMatching(/^API_KEYS entry 2 /)] }),
    );
  });
});
