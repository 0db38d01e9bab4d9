// Builds the support console into dist/console, served by the platform under /console: no source
// map in what is served, and every text asset also stored compressed (Brotli and gzip, at their
// best levels, once at build time) for the server to send to browsers that accept it.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../../dist/console', import.meta.url));
const COMPRESSIBLE = /\.(html|js|css|svg|json|txt)$/;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Writes `<file>.br` and `<file>.gz` beside every text asset worth compressing. */
function precompress(): Plugin {
  return {
    name: 'chronicle-precompress',
    apply: 'build',
    closeBundle() {
      for (const path of filesUnder(outDir)) {
        if (!COMPRESSIBLE.test(path)) continue;
        const content = readFileSync(path);
        if (content.length < 512) continue;
        writeFileSync(`${path}.br`, brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: content.length } }));
        writeFileSync(`${path}.gz`, gzipSync(content, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root: here,
  base: '/console/',
  publicDir: 'public',
  plugins: [precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // Not published: a public map hands out the readable source of the page.
    sourcemap: false,
  },
  server: {
    // `npx vite --config apps/console/vite.config.mts` against a running platform on :3000.
    proxy: { '/v1': 'http://127.0.0.1:3000' },
  },
});
