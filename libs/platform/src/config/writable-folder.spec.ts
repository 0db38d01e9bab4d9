import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartupError } from './env-config';
import { ensureWritableFolder, openToOthers } from './writable-folder';

function failure(path: string): string {
  try {
    ensureWritableFolder(path, 'DATA_DIR');
  } catch (error) {
    if (error instanceof StartupError) return error.problems.join('\n');
    throw error;
  }
  throw new Error(`${path} was accepted`);
}

describe('ensureWritableFolder', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'chronicle-folder-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates missing levels and leaves no probe file behind', () => {
    const folder = ensureWritableFolder(join(root, 'a', 'b', 'c'), 'DATA_DIR');
    expect(statSync(folder).isDirectory()).toBe(true);
    expect(existsSync(join(folder, `.chronicle-write-probe-${process.pid}`))).toBe(false);
  });

  // Found from outside: DATA_DIR was made 0755 and every local user could read the personal data in it.
  it('makes the folders it creates for their owner only, and tells a folder open to others', () => {
    const folder = ensureWritableFolder(join(root, 'data'), 'DATA_DIR');
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(openToOthers(folder)).toBeUndefined();
    chmodSync(folder, 0o755);
    expect(openToOthers(folder)).toMatch(/has mode 755: other users of this machine may read .*\(chmod 700 it\)/);
  });

  // Node 20's mkdirSync(..., { recursive: true }) never returns for this path.
  it('fails at once, naming the setting, where the system refuses to create the folder (/proc)', () => {
    expect(failure('/proc/chronicle-data/x')).toMatch(/^DATA_DIR="\/proc\/chronicle-data\/x": cannot create the folder \/proc\/chronicle-data \(ENOENT/);
  });

  it('fails naming a file that stands where a folder should be', () => {
    writeFileSync(join(root, 'file'), '');
    expect(failure(join(root, 'file', 'data'))).toContain(`${join(root, 'file')} is a file, not a folder`);
  });
});
