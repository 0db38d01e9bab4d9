// Preloaded (NODE_OPTIONS=--require) into a Chronicle process by the thread-footprint e2e: each thread
// of the process (the main thread and every worker thread) writes the npm packages it has loaded so
// far to THREAD_PACKAGES_DIR/<threadId>.json, again whenever it loads one it had not, named after the
// module the thread runs ("main", the worker's file, or for a worker evaluated from source the `role`
// its workerData names: "eval:wal-checkpoints").
const { isMainThread, threadId, workerData } = require('node:worker_threads');
const { writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');
const Module = require('node:module');

const dir = process.env.THREAD_PACKAGES_DIR;
if (dir) {
  const packages = new Set();
  let thread = isMainThread ? 'main' : `eval:${workerData && typeof workerData.role === 'string' ? workerData.role : ''}`;
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    if (isMain && !isMainThread) thread = basename(request);
    const loaded = load.apply(this, arguments);
    const name = /^(?:node:)?[a-z_]+$/.test(request) && Module.isBuiltin(request) ? undefined : packageOf(request, parent);
    if (name && !packages.has(name)) {
      packages.add(name);
      writeFileSync(join(dir, `${threadId}.json`), JSON.stringify({ thread, packages: [...packages].sort() }));
    }
    return loaded;
  };
}

/** The package a require resolves into, from its resolved path (…/node_modules/<name or @scope/name>/…). */
function packageOf(request, parent) {
  let path;
  try {
    path = Module._resolveFilename(request, parent);
  } catch {
    return undefined;
  }
  const match = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)/.exec(path.slice(path.lastIndexOf('node_modules') - 1));
  return match ? match[1].replace(/\\/g, '/') : undefined;
}
