// Runs the built Chronicle server (or any server that prints `listening on <url>`) as a child
// process, so its memory and CPU are its own, and tells where it listens.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  rssBytes(): number;
  /**
   * The RSS once the server has been left alone: V8 grows a busy isolate's heap well past what it keeps
   * alive and gives it back only when its memory reducer sees the isolate idle (20–30 s after a load on
   * this machine). Read every second until it has not fallen by 1% for 60 s (at most 180 s).
   */
  settledRssBytes(): Promise<number>;
  /** CPU time so far, in ms: of the main thread (the event loop) and of the whole process. */
  cpuMs(): { main: number; process: number };
  /** Each thread's CPU time (ms) and bytes handed to write calls so far, by thread id (the main thread's id is the pid). */
  threads(): Map<number, ThreadUsage>;
  stop(): Promise<void>;
}

export interface ThreadUsage {
  readonly cpuMs: number;
  readonly writtenBytes: number;
}

const TICK_MS = 10; // USER_HZ = 100 on Linux

/** This tree's built all-in-one entry point. */
export const THIS_BUILD = join(__dirname, '..', 'dist', 'apps', 'chronicle', 'src', 'main.js');

/**
 * `main`: another build's entry point, to measure it against the same workload (default: this tree's
 * dist). `nodeArgs`: options for node itself (e.g. --cpu-prof).
 */
export function startServer(env: Record<string, string>, main?: string, nodeArgs: readonly string[] = []): Promise<ServerProcess> {
  // An empty BENCH_SERVER_MAIN means this build too.
  return startProcess([...nodeArgs, main || THIS_BUILD], env);
}

/**
 * What each thread did between two readings of `threads()`: CPU ms and MB written, the busiest first,
 * threads that did next to nothing left out. The main thread (the event loop) is marked.
 */
export function threadShares(pid: number, before: Map<number, ThreadUsage>, after: Map<number, ThreadUsage>): string {
  return [...after]
    .map(([tid, usage]) => ({ tid, cpuMs: usage.cpuMs - (before.get(tid)?.cpuMs ?? 0), mb: (usage.writtenBytes - (before.get(tid)?.writtenBytes ?? 0)) / 2 ** 20 }))
    .filter((thread) => thread.cpuMs >= 100 || thread.mb >= 1)
    .sort((a, b) => b.cpuMs - a.cpuMs)
    .map((thread) => `${thread.tid === pid ? 'main' : thread.tid}: ${thread.cpuMs} ms CPU, ${thread.mb.toFixed(0)} MB written`)
    .join('; ');
}

/**
 * Sets the CPU priority of every thread of a running process, as starting it under `nice -n` would:
 * on Linux `setpriority` on a process id reaches its main thread alone, and the threads it started
 * before (SQLite writers, checkpointer) would keep theirs. Threads started later inherit it.
 */
export function setProcessPriority(pid: number, nice: number): void {
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      setPriority(Number(tid), nice);
    } catch {
      // The thread ended between the listing and the call.
    }
  }
}

/** A process's resident set, in bytes. */
export function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}

/** `node <args>` with `env` added to this process's environment, once it prints where it listens. */
export async function startProcess(args: readonly string[], env: Record<string, string>): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
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
  const pid = child.pid as number;
  const ticks = (path: string) => {
    const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  };
  return {
    url,
    pid,
    rssBytes: () => rssOf(pid),
    async settledRssBytes() {
      let lowest = rssOf(pid);
      let lowestAt = Date.now();
      for (const started = Date.now(); Date.now() - started < 180_000 && Date.now() - lowestAt < 60_000; ) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const now = rssOf(pid);
        if (now < lowest * 0.99) lowestAt = Date.now();
        lowest = Math.min(lowest, now);
      }
      return lowest;
    },
    cpuMs: () => ({ main: ticks(`/proc/${pid}/task/${pid}/stat`), process: ticks(`/proc/${pid}/stat`) }),
    threads() {
      const usage = new Map<number, ThreadUsage>();
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        try {
          const io = readFileSync(`/proc/${pid}/task/${tid}/io`, 'utf8');
          usage.set(Number(tid), { cpuMs: ticks(`/proc/${pid}/task/${tid}/stat`), writtenBytes: Number(/wchar: (\d+)/.exec(io)?.[1] ?? 0) });
        } catch {
          // The thread ended between the listing and the read.
        }
      }
      return usage;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
