// MEMORY_PROFILE: the flags reach the threads started after them. Each profile runs in its own Node
// process (V8 flags are process-wide), which starts a worker thread and reports its heap limit.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '@app/platform';

const ROOT = join(__dirname, '..', '..', '..');

/** heap_size_limit of a worker thread started after applyMemoryProfile(profile), in MB. */
function workerHeapLimitMb(profile: 'fast' | 'lean'): number {
  const script = `
    require(${JSON.stringify(join(__dirname, 'memory-profile'))}).applyMemoryProfile(${JSON.stringify(profile)});
    const { Worker } = require('node:worker_threads');
    new Worker('require("node:worker_threads").parentPort.postMessage(require("node:v8").getHeapStatistics().heap_size_limit)', { eval: true })
      .on('message', (limit) => { process.stdout.write(String(limit / 2 ** 20)); process.exit(0); });`;
  const output = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') } });
  return Number(output);
}

describe('MEMORY_PROFILE', () => {
  it('is fast unless set, takes lean, and stops the start on anything else, naming the variable', () => {
    expect(loadConfig({}).MEMORY_PROFILE).toBe('fast');
    expect(loadConfig({ MEMORY_PROFILE: 'lean' }).MEMORY_PROFILE).toBe('lean');
    expect(() => loadConfig({ MEMORY_PROFILE: 'small' })).toThrow(/MEMORY_PROFILE/);
  });

  it('lean gives the threads started after it a smaller young generation; fast leaves V8 as it is', () => {
    const fast = workerHeapLimitMb('fast');
    const lean = workerHeapLimitMb('lean');
    expect(fast).toBeGreaterThan(0);
    // Three semi-spaces of 8 MB instead of 16: 24 MB less.
    expect(fast - lean).toBe(24);
  });
});
