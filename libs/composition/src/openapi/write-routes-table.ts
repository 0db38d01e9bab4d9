// Writes the README's route table and the gateway's whole OpenAPI document from the routes a started
// Chronicle serves (`npm run docs:api`, after the API type schemas are regenerated): the @Roles
// declarations are the one source of who may call what; the README shows them and the role-matrix test
// fails when the two differ.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { apiRoutes, renderRoutesTable, withRoutesTable } from '@app/platform';
import { startChronicle } from '../start-chronicle';

export const README = resolve(__dirname, '..', '..', '..', '..', 'README.md');
/**
 * The whole API's document for the split layout's gateway: each role serves the document of its own
 * routes, so the one entry point serves this file at /docs/openapi.json (deploy/gateway/nginx.conf).
 */
export const GATEWAY_DOCUMENT = resolve(__dirname, '..', '..', '..', '..', 'deploy', 'gateway', 'openapi.json');

/** The gateway's file for a served document: stable formatting, so a regenerated file only differs where the API does. */
export function renderGatewayDocument(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-docs-'));
  const chronicle = await startChronicle({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent', API_KEYS: 'admin=docs-admin-key-0123456789' });
  try {
    const document = (await (await fetch(`${chronicle.url}/docs/openapi.json`)).json()) as OpenAPIObject;
    writeFileSync(README, withRoutesTable(readFileSync(README, 'utf8'), renderRoutesTable(apiRoutes(chronicle.app), document)));
    process.stdout.write(`Wrote the route table of ${README}\n`);
    writeFileSync(GATEWAY_DOCUMENT, renderGatewayDocument(document));
    process.stdout.write(`Wrote the gateway's OpenAPI document ${GATEWAY_DOCUMENT}\n`);
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
