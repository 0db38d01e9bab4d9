// Starts a worker thread on one of Chronicle's own modules, from dist/ or from the TypeScript
// sources (ts-node, Jest, the benches): from sources, the worker first registers a TypeScript
// loader and the tsconfig path aliases, as `npm run start:dev` does for the main thread.
import { existsSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** What the bootstrap reads from workerData; the module's own data is under `data`. */
interface Bootstrap {
  readonly entry: string;
  readonly root: string;
  /** Where transpiled files are kept between starts. */
  readonly cacheDir: string;
}

// Plain JavaScript evaluated in the new thread: nothing here goes through a TypeScript loader. It
// transpiles each .ts file as ts-node's transpile-only mode does (TypeScript's transpileModule, the
// project's tsconfig), but keeps the output in a cache folder keyed by the source and the tsconfig:
// ts-node keeps nothing, and a projector thread needs ~260 of the project's files, which took ~30 s
// of a loaded 2-core machine on every start (a Jest suite starts many). A cache hit loads no compiler.
const FROM_SOURCES = `
const { workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { entry, root, cacheDir } = workerData.bootstrap;
const from = { paths: [root] };
const tsconfigFile = path.join(root, 'tsconfig.json');
const tsconfigText = fs.readFileSync(tsconfigFile, 'utf8');
let compiler;
const transpiler = () => {
  if (compiler) return compiler;
  const ts = require(require.resolve('typescript', from));
  const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(tsconfigFile, ts.sys.readFile).config, ts.sys, root);
  const compilerOptions = { ...parsed.options, sourceMap: false, inlineSourceMap: true, inlineSources: false, declaration: false, noEmit: false };
  compiler = (source, fileName) => ts.transpileModule(source, { compilerOptions, fileName }).outputText;
  compiler.version = ts.version;
  return compiler;
};
fs.mkdirSync(cacheDir, { recursive: true });
Module._extensions['.ts'] = (module, fileName) => {
  const source = fs.readFileSync(fileName, 'utf8');
  const key = createHash('sha256').update(tsconfigText).update('\0').update(fileName).update('\0').update(source).digest('hex');
  const cached = path.join(cacheDir, key + '.js');
  let code;
  try {
    code = fs.readFileSync(cached, 'utf8');
  } catch {
    code = transpiler()(source, fileName);
    // Written whole, then renamed: a thread reading at the same moment never sees half a file.
    const partial = cached + '.' + process.pid + '.' + require('node:worker_threads').threadId + '.tmp';
    try { fs.writeFileSync(partial, code); fs.renameSync(partial, cached); } catch {}
  }
  module._compile(code, fileName);
};
const tsconfigPaths = require(require.resolve('tsconfig-paths', from));
const loaded = tsconfigPaths.loadConfig(root);
if (loaded.resultType !== 'success') throw new Error('tsconfig paths: ' + loaded.message);
tsconfigPaths.register({ baseUrl: loaded.absoluteBaseUrl, paths: loaded.paths });
require(entry);
`;

/**
 * `modulePath`: the module without its extension (`join(__dirname, 'x.worker')`). Its compiled `.js`
 * runs directly; its `.ts` (running from sources) runs through ts-node. The module finds what it was
 * given as `workerData.data`.
 */
export function startModuleWorker(modulePath: string, data: unknown, options: Omit<WorkerOptions, 'workerData' | 'eval'> = {}): Worker {
  if (existsSync(`${modulePath}.js`)) return new Worker(`${modulePath}.js`, { ...options, workerData: { data } });
  const entry = `${modulePath}.ts`;
  if (!existsSync(entry)) throw new Error(`No worker module at ${modulePath}.js or .ts`);
  const root = projectRoot(dirname(entry));
  const bootstrap: Bootstrap = { entry, root, cacheDir: join(tmpdir(), `chronicle-worker-ts-${userInfo().uid}`) };
  return new Worker(FROM_SOURCES, { ...options, eval: true, workerData: { data, bootstrap } });
}

/** The folder of the tsconfig.json the sources are compiled with: the nearest one holding package.json too. */
function projectRoot(from: string): string {
  for (let folder = from; ; folder = dirname(folder)) {
    if (existsSync(join(folder, 'package.json')) && existsSync(join(folder, 'tsconfig.json'))) return folder;
    if (dirname(folder) === folder) throw new Error(`No tsconfig.json with a package.json above ${from}`);
  }
}
