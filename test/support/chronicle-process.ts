// For end-to-end tests that need real processes (several on one data folder, kill -9): compiles the
// apps once (emit only: the test run type-checks them anyway) into test-output/, so each child
// starts in about a second instead of transpiling the whole tree again through ts-node.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
let builtApps: string | undefined;

/** Compiles apps and libs for spawnChronicle (once per test process); call from beforeAll. */
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

/** Removes what buildApps compiled; call from afterAll. */
export function removeBuiltApps(): void {
  if (builtApps) rmSync(builtApps, { recursive: true, force: true });
  builtApps = undefined;
}

export type AppName = 'chronicle' | 'command-api' | 'query-api' | 'projector';

export interface ChronicleChild {
  readonly pid: number;
  /** Resolves with the URL once it listens; rejects with its output if it exits first. */
  readonly listening: Promise<string>;
  /** Resolves once it has exited, with its code (null after a signal) and output. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** SIGTERM (a graceful stop) and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL (kill -9) and wait for the exit. */
  kill9(): Promise<void>;
}

export function spawnChronicle(app: AppName, env: Record<string, string>): ChronicleChild {
  if (!builtApps) throw new Error('call buildApps() first (in beforeAll)');
  const child: ChildProcess = spawn(process.execPath, [join(builtApps, 'apps', app, 'src', 'main.js')], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve(match[1]);
    });
    void exited.then(({ code, signal }) => reject(new Error(`${app} exited (${code ?? signal}) before listening:\n${stdout}${stderr}`)));
  });
  // A child that is refused at start is expected by some tests; they read `exited`.
  listening.catch(() => undefined);
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return { pid: child.pid as number, listening, exited, stop: () => signal('SIGTERM'), kill9: () => signal('SIGKILL') };
}
