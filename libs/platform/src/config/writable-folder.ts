// Creates and checks a folder Chronicle must write to (DATA_DIR, the key file's folder), failing with
// one line naming the setting. Not fs.mkdirSync(..., { recursive: true }): on Node 20 that loops
// forever where mkdir answers ENOENT under an existing parent (e.g. anywhere in /proc).
import { mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describeSetting, StartupError } from './startup-error';

/** `ENOENT: no such file or directory, mkdir '/x'` → `ENOENT: no such file or directory`. */
export function systemReason(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  const short = /^[A-Z0-9_]+: ([^,]+)/.exec(text)?.[1] ?? text;
  return typeof code === 'string' && !short.startsWith(code) ? `${code}: ${short}` : short;
}

/**
 * Makes sure `path` is a folder this process can create files in, creating missing levels one at a
 * time. `setting` and `given` name where the path came from, for the error.
 */
export function ensureWritableFolder(path: string, setting: string, given: string = path): string {
  const folder = resolve(path);
  const fail = (reason: string): never => {
    throw new StartupError([describeSetting(setting, given, reason)]);
  };
  const missing: string[] = [];
  let existing = folder;
  for (;;) {
    let stat;
    try {
      stat = statSync(existing, { throwIfNoEntry: false });
    } catch (error) {
      // Below a file: the file is found, and named, one level up.
      if ((error as { code?: string }).code !== 'ENOTDIR') return fail(`cannot look at ${existing} (${systemReason(error)})`);
    }
    if (stat) {
      if (!stat.isDirectory()) fail(`${existing} is a file, not a folder`);
      break;
    }
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  for (const level of missing) {
    try {
      // Only its owner may enter it: the read models, the access log and the key store in it hold
      // personal data in clear (found from outside: a folder made 0755 let every local user read them).
      mkdirSync(level, { mode: 0o700 });
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') fail(`cannot create the folder ${level} (${systemReason(error)})`);
    }
  }
  // Permission bits do not tell (root ignores them, a read-only mount does not): write a file.
  const probe = join(folder, `.chronicle-write-probe-${process.pid}`);
  try {
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (error) {
    fail(`this process cannot create files in ${folder} (${systemReason(error)})`);
  }
  return folder;
}

/**
 * Why a data folder is open to other users of the machine (its group or others may enter it), or
 * undefined when only its owner may: a start says so, since the files in it hold personal data.
 */
export function openToOthers(path: string): string | undefined {
  const mode = statSync(path).mode & 0o777;
  return (mode & 0o077) === 0 ? undefined : `${resolve(path)} has mode ${mode.toString(8).padStart(3, '0')}: other users of this machine may read the read models, access log and keys in it (chmod 700 it)`;
}
