// API keys, hashed at rest (SHA-256 of a 256-bit random key: a slow hash adds nothing at that
// entropy), from env (`role=key,...`) or a JSON key file. A file-backed registry follows the file:
// a key added by `chronicle keys create` (or removed by hand) counts from the next request on, with
// no restart. On first start a key per role is made, but written and shown only once the process
// has started for good (see persistNewKeys).
import { Logger } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, describeSetting, StartupError } from '../config/env-config';
import { createFileOnce, replaceFileWhole } from '../config/create-file-once';
import { ensureWritableFolder, systemReason } from '../config/writable-folder';
import { ROLES, type Principal, type Role } from './roles';
import { describeTextFault, neutraliseText, saysSomething, textFault } from '@app/event-sourcing';

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

export interface CreatedApiKey {
  readonly role: Role;
  readonly key: string;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(role: Role): string {
  return `chr_${role}_${randomBytes(32).toString('base64url')}`;
}

function isRole(value: unknown): value is Role {
  return (ROLES as readonly unknown[]).includes(value);
}

/** Longest label a key may carry (an agent's name as the console and the audit trail show it). */
export const API_KEY_LABEL_MAX_LENGTH = 100;

/**
 * What is wrong with a key's label, or undefined: it names the agent in every event they record (the
 * actor, never rewritten) and on every console page, so it is one line of text as names are: not
 * blank, no control or bidi characters, at most API_KEY_LABEL_MAX_LENGTH characters.
 */
export function apiKeyLabelFault(label: string): string | undefined {
  if (!saysSomething(label)) return 'must not be blank (or only characters that show nothing)';
  const fault = textFault(label, 'single-line');
  if (fault !== null) return `must be one line of text without control characters: ${describeTextFault(fault)}`;
  if (label.length > API_KEY_LABEL_MAX_LENGTH) return `must be at most ${API_KEY_LABEL_MAX_LENGTH} characters`;
  return undefined;
}

function storedKey(key: string, role: Role, label: string, now: Date): StoredApiKey {
  const sha256 = hashApiKey(key);
  return { id: sha256.slice(0, 12), label, roles: [role], sha256, createdAt: now.toISOString() };
}

/** Identifies one version of the file: a rewrite by rename changes the inode, an edit in place size or time. */
function signatureOf(path: string): string | undefined {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat && `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}

/** The keys of a key file, none where there is no file yet. */
function keysInFile(path: string): StoredApiKey[] {
  return signatureOf(path) === undefined ? [] : parseKeyFile(path);
}

/** Parses and checks a key file; throws with a one-line reason. */
function parseKeyFile(path: string): StoredApiKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new StartupError([describeSetting('API_KEYS_FILE', path, error instanceof SyntaxError ? `not valid JSON (${error.message})` : `cannot be read (${systemReason(error)})`)]);
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new StartupError([describeSetting('API_KEYS_FILE', path, 'expected {"keys": [...]}')]);
  const problems = keys.flatMap((key: Partial<Record<keyof StoredApiKey, unknown>> | null, index) => {
    const ok =
      typeof key?.id === 'string' && typeof key.label === 'string' && Array.isArray(key.roles) && key.roles.length > 0 && key.roles.every(isRole) &&
      typeof key.sha256 === 'string' && /^[0-9a-f]{64}$/.test(key.sha256);
    return ok ? [] : [describeSetting('API_KEYS_FILE', path, `keys[${index}] needs an id, a label, roles among ${ROLES.join('|')} and a sha256 hex hash`)];
  });
  if (problems.length > 0) throw new StartupError(problems);
  return keys as StoredApiKey[];
}

/** The key file's text. */
function keyFileText(keys: readonly StoredApiKey[]): string {
  return JSON.stringify({ keys }, null, 2) + '\n';
}

export class ApiKeyRegistry {
  private readonly logger = new Logger('ApiKeys');
  private byHash = new Map<string, StoredApiKey>();
  /** The version of the key file the keys were read from (file-backed registries only). */
  private signature: string | undefined;
  /** A version that failed to parse: warned about once, the previous keys stay. */
  private rejectedSignature: string | undefined;
  /** Keys made for a first start, kept in memory until persistNewKeys writes them. */
  private pending: CreatedApiKey[] = [];

  private constructor(
    keys: readonly StoredApiKey[],
    private readonly file?: string,
  ) {
    this.replace(keys);
  }

  get size(): number {
    this.refresh();
    return this.byHash.size;
  }

  /** The principal a presented key belongs to, or null. */
  authenticate(presented: string): Principal | null {
    this.refresh();
    const hash = hashApiKey(presented);
    const found = this.byHash.get(hash);
    if (!found) return null;
    // The map lookup already matched; compare again in constant time so timing reveals nothing.
    if (!timingSafeEqual(Buffer.from(found.sha256, 'hex'), Buffer.from(hash, 'hex'))) return null;
    return { keyId: found.id, label: found.label, roles: found.roles };
  }

  /** The principal of a key by its id (a console session names its key so); null once the key is gone. */
  principalById(keyId: string): Principal | null {
    this.refresh();
    for (const key of this.byHash.values()) if (key.id === keyId) return { keyId: key.id, label: key.label, roles: key.roles };
    return null;
  }

  /** Every key with this role (not counting admin keys), as principals: who may be assigned work. */
  principalsWithRole(role: Role): Principal[] {
    this.refresh();
    return [...this.byHash.values()].filter((key) => key.roles.includes(role)).map((key) => ({ keyId: key.id, label: key.label, roles: key.roles }));
  }

  /**
   * On first start (no key file yet): writes the key file with the keys made in memory, and returns
   * them to be shown once. Called only after the process started for good, so a process that fails
   * to start leaves no key file and shows no key. If another process wrote the file meanwhile, its
   * keys are used and nothing is shown.
   */
  persistNewKeys(): CreatedApiKey[] {
    if (!this.file || this.pending.length === 0) return [];
    const created = this.pending;
    this.pending = [];
    ensureWritableFolder(dirname(this.file), 'API_KEYS_FILE', this.file);
    const keys = [...this.byHash.values()];
    let made: boolean;
    try {
      // Whole or not at all: a process starting at once (or the file watcher) never reads half of it.
      made = createFileOnce(this.file, keyFileText(keys));
    } catch (error) {
      throw new StartupError([describeSetting('API_KEYS_FILE', this.file, `cannot be written (${systemReason(error)})`)]);
    }
    if (!made) {
      this.replace(parseKeyFile(this.file));
      return [];
    }
    this.signature = signatureOf(this.file);
    return created;
  }

  private replace(keys: readonly StoredApiKey[]): void {
    // A label edited into the file by hand is made safe before it names anyone in an event or a page.
    this.byHash = new Map(keys.map((key) => [key.sha256, apiKeyLabelFault(key.label) === undefined ? key : { ...key, label: shownLabel(key) }]));
  }

  /** Re-reads the key file when it changed; a broken or missing file keeps the keys last read. */
  private refresh(): void {
    if (!this.file || this.pending.length > 0) return;
    let signature: string | undefined;
    try {
      signature = signatureOf(this.file);
    } catch {
      return;
    }
    if (signature === undefined || signature === this.signature || signature === this.rejectedSignature) return;
    try {
      this.replace(parseKeyFile(this.file));
      this.signature = signature;
      this.rejectedSignature = undefined;
      this.logger.log(`Reloaded ${this.byHash.size} API keys from ${this.file}`);
    } catch (error) {
      this.rejectedSignature = signature;
      this.logger.warn(`Kept the API keys read before: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Parses `role=key,role=key` (plain keys, e.g. from compose or tests); a ConfigError names every bad entry. */
  static fromEnv(spec: string, now: Date): ApiKeyRegistry {
    const pairs = spec.split(',').map((pair) => pair.trim()).filter(Boolean);
    const problems: string[] = [];
    const keys = pairs.flatMap((pair, index) => {
      const eq = pair.indexOf('=');
      const role = pair.slice(0, eq);
      const key = pair.slice(eq + 1);
      if (eq <= 0 || !isRole(role) || key.length < 16) {
        problems.push(`API_KEYS entry ${index + 1} ("${eq > 0 ? `${role}=…` : pair.slice(0, 20)}") must be role=key with a role in ${ROLES.join('|')} and a key of 16+ characters`);
        return [];
      }
      return [{ id: `env-${index + 1}`, label: `${role}-env-${index + 1}`, roles: [role], sha256: hashApiKey(key), createdAt: now.toISOString() }];
    });
    if (pairs.length === 0) problems.push('API_KEYS is set but names no key (role=key,role=key)');
    if (problems.length > 0) throw new ConfigError(problems);
    return new ApiKeyRegistry(keys);
  }

  /**
   * The keys of a key file, following it as it changes. Without the file yet: one new key per role,
   * in memory until persistNewKeys.
   */
  static forFile(path: string, now: Date): ApiKeyRegistry {
    const signature = signatureOf(path);
    if (signature !== undefined) {
      const registry = new ApiKeyRegistry(parseKeyFile(path), path);
      registry.signature = signature;
      return registry;
    }
    const created = ROLES.map((role) => ({ role, key: generateApiKey(role) }));
    const registry = new ApiKeyRegistry(created.map(({ role, key }) => storedKey(key, role, `${role}-initial`, now)), path);
    registry.pending = created;
    return registry;
  }

  /**
   * Adds a new key to a key file and returns the plain key (for the CLI). The file is replaced whole
   * (write, then rename), so a running server reading it never sees half of it.
   */
  static addToFile(path: string, role: Role, label: string, now: Date): string {
    const fault = apiKeyLabelFault(label);
    if (fault !== undefined) throw new ConfigError([`The key's label ${fault}`]);
    const existing = keysInFile(path);
    const key = generateApiKey(role);
    ensureWritableFolder(dirname(path), 'API_KEYS_FILE', path);
    // Whole: the running servers' file watchers never read half of it.
    replaceFileWhole(path, keyFileText([...existing, storedKey(key, role, label, now)]));
    return key;
  }

  /** The keys of a key file as the CLI lists them: id, label, roles, creation; never a hash. */
  static listFile(path: string): { id: string; label: string; roles: readonly Role[]; createdAt: string | undefined }[] {
    return keysInFile(path).map((stored) => ({ id: stored.id, label: stored.label, roles: stored.roles, createdAt: stored.createdAt }));
  }

  /**
   * Removes a key from a key file by its id (for the CLI): running servers refuse it as soon as they
   * read the file again, and its console sessions end (a session is checked against its key on every
   * request). The last admin key is kept: without one, nobody could forget a customer or read the
   * access log until a key file is written by hand. Returns the key removed.
   */
  static revokeInFile(path: string, id: string): { id: string; label: string; roles: readonly Role[] } {
    const existing = keysInFile(path);
    const revoked = existing.find((stored) => stored.id === id);
    if (revoked === undefined) throw new ConfigError([`No key with id ${id} in ${path} (\`keys list\` shows the ids)`]);
    const kept = existing.filter((stored) => stored !== revoked);
    if (revoked.roles.includes('admin') && !kept.some((stored) => stored.roles.includes('admin'))) {
      throw new ConfigError([`${id} is the last admin key in ${path}: create another admin key first (\`keys create --role admin\`)`]);
    }
    replaceFileWhole(path, keyFileText(kept));
    return { id: revoked.id, label: revoked.label, roles: revoked.roles };
  }
}

export const API_KEY_REGISTRY = Symbol('ApiKeyRegistry');

/** A label edited into the key file by hand that breaks the label rules, as it is shown: made harmless, or the key's id where nothing shows. */
function shownLabel(key: StoredApiKey): string {
  const neutralised = neutraliseText(key.label);
  return saysSomething(neutralised) ? neutralised.trim() : key.id;
}
