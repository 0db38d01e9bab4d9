// Runs Chronicle's own entry points (apps/*/src/main.ts) as real child processes, so failure tests
// can kill -9 a server or a CLI mid-work and start it again. Through ts-node by default (no build
// needed); a suite that starts many processes calls buildApps() first, and they run compiled.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
let builtApps: string | undefined;

/**
 * Compiles apps and libs once for this test file (emit only: the test run type-checks them anyway)
 * into test-output/, so each process starts in about a second instead of transpiling the whole tree
 * through ts-node again. Call from beforeAll, and removeBuiltApps from afterAll.
 */
export function buildApps(): void {
  if (builtApps) return;
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  // Inside the repository, so the compiled files find node_modules.
  const outDir = mkdtempSync(join(ROOT, 'test-output', 'apps-'));
  const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
  execFileSync(bin('tsc'), ['-p', 'tsconfig.build.json', '--outDir', outDir, '--noCheck'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(bin('tsc-alias'), ['-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: ROOT, stdio: 'inherit' });
  builtApps = outDir;
}

export function removeBuiltApps(): void {
  if (builtApps) rmSync(builtApps, { recursive: true, force: true });
  builtApps = undefined;
}

/** How to run an entry point: compiled when buildApps() ran, else through ts-node. */
function nodeArguments(entry: string): string[] {
  if (builtApps && entry.endsWith('.ts')) return [join(builtApps, entry.replace(/\.ts$/, '.js'))];
  return ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join(ROOT, entry)];
}

export interface ChronicleProcess {
  readonly child: ChildProcess;
  /** Every stdout and stderr line so far. */
  readonly lines: string[];
  /** Resolves with the first line matching `pattern`; rejects if the process exits first. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface ProcessOptions {
  /** Run as this user and group (needs root), e.g. to meet files it may not write. */
  readonly user?: { readonly uid: number; readonly gid: number };
}

export function startProcess(entry: string, args: readonly string[], env: Record<string, string>, options: ProcessOptions = {}): ChronicleProcess {
  const child = spawn(process.execPath, [...nodeArguments(entry), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer, rest: { text: string }): void => {
    rest.text += chunk.toString('utf8');
    const parts = rest.text.split('\n');
    rest.text = parts.pop() ?? '';
    lines.push(...parts);
    for (const listener of listeners) listener();
  };
  const out = { text: '' };
  const err = { text: '' };
  child.stdout?.on('data', (chunk: Buffer) => collect(chunk, out));
  child.stderr?.on('data', (chunk: Buffer) => collect(chunk, err));
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      for (const rest of [out, err]) if (rest.text) lines.push(rest.text);
      resolve(code ?? signal ?? 'unknown');
      for (const listener of listeners) listener();
    });
  });
  let ended = false;
  void exited.then(() => (ended = true));

  return {
    child,
    lines,
    exited,
    waitForLine(pattern: RegExp, timeoutMs = 60_000): Promise<string> {
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output:\n${lines.join('\n')}`));
        }, timeoutMs);
        const check = (): void => {
          const found = lines.find((line) => pattern.test(line));
          if (found !== undefined || ended) {
            clearTimeout(timer);
            listeners.delete(check);
            if (found !== undefined) resolve(found);
            else reject(new Error(`process ended before a line matching ${pattern}; output:\n${lines.join('\n')}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | string> {
      if (!ended) child.kill(signal);
      return exited;
    },
  };
}

/** Starts a server entry point and resolves with it and its base URL once it listens. */
export async function startServer(entry: string, env: Record<string, string>): Promise<ChronicleProcess & { url: string }> {
  const started = startProcess(entry, [], { PORT: '0', LOG_LEVEL: 'warn', ...env });
  const line = await started.waitForLine(/listening on (http:\/\/\S+)/, 90_000);
  const url = /listening on (http:\/\/\S+)/.exec(line)?.[1] as string;
  return Object.assign(started, { url });
}
