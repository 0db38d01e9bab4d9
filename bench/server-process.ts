// Runs the built Chronicle server as a child process (so its memory and CPU are its own) and
// tells where it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  rssBytes(): number;
  stop(): Promise<void>;
}

/** This tree's built all-in-one entry point. */
export const THIS_BUILD = join(__dirname, '..', 'dist', 'apps', 'chronicle', 'src', 'main.js');

/**
 * `main`: another build's entry point, to measure it against the same workload (default: this tree's
 * dist). `nodeArgs`: options for node itself (e.g. --cpu-prof).
 */
export async function startServer(env: Record<string, string>, main?: string, nodeArgs: readonly string[] = []): Promise<ServerProcess> {
  // An empty BENCH_SERVER_MAIN means this build too.
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, main || THIS_BUILD], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)));
  });
  child.stdout?.resume();
  return {
    url,
    pid: child.pid as number,
    rssBytes() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
