// A thread's own CPU priority. Linux schedules each thread on its own (a thread is a task with an id
// of its own), so `setpriority` on that id changes the calling thread alone, as `nice -n` would;
// Node names no thread ids, but /proc/thread-self is the calling thread's task folder.
import { readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers the calling thread's priority to `nice` (0–19) and says whether it could: false where
 * threads have no ids of their own (not Linux) or the system refused. Threads this one starts
 * afterwards start at that priority too.
 */
export function lowerThreadPriority(nice: number): boolean {
  if (process.platform !== 'linux' || nice <= 0) return false;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}

/** The calling thread's nice value (Linux), or undefined where it cannot be read. */
export function threadNice(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Field 19 (nice), counted after the command name's closing parenthesis.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  } catch {
    return undefined;
  }
}
