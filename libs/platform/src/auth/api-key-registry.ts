// API keys, hashed at rest (SHA-256 of a 256-bit random key: a slow hash adds nothing at that
// entropy), loaded from env (`role=key,...`) or a JSON file; on first start a key per role is made.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ROLES, type Principal, type Role } from './roles';

export interface StoredApiKey {
  readonly id: string;
  readonly label: string;
  readonly roles: readonly Role[];
  readonly sha256: string;
  readonly createdAt: string;
}

export interface ApiKeyFile {
  readonly keys: readonly StoredApiKey[];
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(role: Role): string {
  return `chr_${role}_${randomBytes(32).toString('base64url')}`;
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export class ApiKeyRegistry {
  private readonly byHash = new Map<string, StoredApiKey>();

  constructor(keys: readonly StoredApiKey[]) {
    for (const key of keys) this.byHash.set(key.sha256, key);
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The principal a presented key belongs to, or null. */
  authenticate(presented: string): Principal | null {
    const hash = hashApiKey(presented);
    const found = this.byHash.get(hash);
    if (!found) return null;
    // The map lookup already matched; compare again in constant time so timing reveals nothing.
    if (!timingSafeEqual(Buffer.from(found.sha256, 'hex'), Buffer.from(hash, 'hex'))) return null;
    return { keyId: found.id, label: found.label, roles: found.roles };
  }

  /** Parses `role=key,role=key` (plain keys, e.g. from compose or tests). */
  static fromEnv(spec: string, now: Date): ApiKeyRegistry {
    const keys = spec
      .split(',')
      .map((pair) => pair.trim())
      .filter(Boolean)
      .map((pair, index) => {
        const eq = pair.indexOf('=');
        const role = pair.slice(0, eq);
        const key = pair.slice(eq + 1);
        if (eq <= 0 || !isRole(role) || key.length < 16) {
          throw new Error(`API_KEYS entry ${index + 1} must be role=key with a role in ${ROLES.join('|')} and a key of 16+ characters`);
        }
        return { id: `env-${index + 1}`, label: `${role}-env-${index + 1}`, roles: [role], sha256: hashApiKey(key), createdAt: now.toISOString() };
      });
    return new ApiKeyRegistry(keys);
  }

  static readFile(path: string): ApiKeyRegistry {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as ApiKeyFile;
    if (!Array.isArray(parsed.keys)) throw new Error(`${path}: expected {"keys": [...]}`);
    for (const key of parsed.keys) {
      if (!key.roles.every(isRole) || !/^[0-9a-f]{64}$/.test(key.sha256)) throw new Error(`${path}: key ${key.id} has a bad role or hash`);
    }
    return new ApiKeyRegistry(parsed.keys);
  }

  /**
   * Loads the key file, creating it with one new key per role if it does not exist.
   * Returns the plain keys it created (to be shown once) or an empty list.
   */
  static loadOrCreateFile(path: string, now: Date): { registry: ApiKeyRegistry; created: { role: Role; key: string }[] } {
    if (existsSync(path)) return { registry: ApiKeyRegistry.readFile(path), created: [] };
    const created = ROLES.map((role) => ({ role, key: generateApiKey(role) }));
    const keys: StoredApiKey[] = created.map(({ role, key }) => ({
      id: hashApiKey(key).slice(0, 12),
      label: `${role}-initial`,
      roles: [role],
      sha256: hashApiKey(key),
      createdAt: now.toISOString(),
    }));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify({ keys }, null, 2) + '\n', { mode: 0o600 });
    return { registry: new ApiKeyRegistry(keys), created };
  }

  /** Adds a new key to a key file and returns the plain key (for the CLI). */
  static addToFile(path: string, role: Role, label: string, now: Date): string {
    const existing: ApiKeyFile = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ApiKeyFile) : { keys: [] };
    const key = generateApiKey(role);
    const entry: StoredApiKey = { id: hashApiKey(key).slice(0, 12), label, roles: [role], sha256: hashApiKey(key), createdAt: now.toISOString() };
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify({ keys: [...existing.keys, entry] }, null, 2) + '\n', { mode: 0o600 });
    return key;
  }
}

export const API_KEY_REGISTRY = Symbol('ApiKeyRegistry');
