// Writes the README's route table from the routes a started Chronicle serves (`npm run docs:api`, after
// the API type schemas are regenerated): the @Roles declarations are the one source of who may call
// what; the README shows them and the role-matrix test fails when the two differ.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { apiRoutes, renderRoutesTable, withRoutesTable } from '@app/platform';
import { startChronicle } from '../start-chronicle';

export const README = resolve(__dirname, '..', '..', '..', '..', 'README.md');

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-docs-'));
  const chronicle = await startChronicle({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', API_KEYS: 'admin=docs-admin-key-0123456789' });
  try {
    const document = (await (await fetch(`${chronicle.url}/docs/openapi.json`)).json()) as OpenAPIObject;
    writeFileSync(README, withRoutesTable(readFileSync(README, 'utf8'), renderRoutesTable(apiRoutes(chronicle.app), document)));
    process.stdout.write(`Wrote the route table of ${README}\n`);
  } finally {
    await chronicle.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
