// Files a process makes on first start in a folder other processes share (the session secret, the
// master key, the API key file): two processes starting at once must end up with the same file, and
// neither may read it before it is whole. `writeFileSync(path, text, { flag: 'wx' })` gives the first
// but not the second: it creates the file empty, then writes, and a second process that reads in
// between gets an empty secret (seen as "A session secret needs at least 32 bytes" when two
// command-api processes started together). Here the text is written under a temporary name first and
// then linked to the path, which creates the path whole or fails because it exists. A file rewritten
// while others read it (the API key file after `chronicle keys create`) is replaced the same way, by
// a rename instead of a link.
import { closeSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** File systems that have no hard links: there the file is created as before (exclusive create, then written). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Creates `path` holding `text` if no file is there yet, and says whether this call created it. The
 * path never exists with part of the text: a reader finds nothing or all of it. False: another
 * process (or an earlier start) made it first; read theirs.
 */
export function createFileOnce(path: string, text: string, mode = 0o600): boolean {
  const temporary = temporaryBeside(path);
  writeWhole(temporary, text, mode, 'wx');
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_HARD_LINKS.has(code)) throw error;
  } finally {
    unlinkSync(temporary);
  }
  try {
    writeWhole(path, text, mode, 'wx');
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Replaces `path` with a file holding `text`: written whole under a temporary name, then renamed over
 * it, so a reader finds the old file or the new one, never part of either.
 */
export function replaceFileWhole(path: string, text: string, mode = 0o600): void {
  const temporary = temporaryBeside(path);
  writeWhole(temporary, text, mode, 'wx');
  try {
    renameSync(temporary, path);
  } catch (error) {
    unlinkSync(temporary);
    throw error;
  }
}

/** A fresh name in the same folder (a link or rename needs the same file system), hidden, never another process's. */
function temporaryBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function writeWhole(path: string, text: string, mode: number, flags: string): void {
  const fd = openSync(path, flags, mode);
  try {
    writeFileSync(fd, text);
    // On disk before another process can rely on it: a secret lost to a crash would sign everyone out.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
