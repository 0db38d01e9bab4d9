// The CDNOW sample (2,357 customers who first bought at CDNOW in the first quarter of 1997, every
// purchase until June 1998), as test/datasets/fetch-cdnow.sh caches it from the `lifetimes` wheel on
// PyPI. Columns: master id, sample id, date YYYYMMDD, CDs bought, dollar value. Used by the model's
// reference test, the import-through-the-API test and the analytics benchmark.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CustomerHistory, OrderFact } from '../domain/customer-history';

export interface CdnowPurchase {
  /** `cdnow-0001` from the sample id. */
  readonly customerId: string;
  /** A distinct order id per line of the file. */
  readonly orderId: string;
  /** Noon UTC of the purchase day: the data has days, not times. */
  readonly at: string;
  readonly cds: number;
  /** US cents. */
  readonly amountMinor: number;
}

/** The 39-week calibration period of Fader, Hardie & Lee (2005) ends with 30 September 1997. */
export const CDNOW_CALIBRATION_END = '1997-09-30T23:59:59Z';
/** When the imports register the sample's customers: before their first purchase (January 1997). */
export const CDNOW_REGISTERED_AT = '1997-01-01T00:00:00Z';
/** The data end: the holdout runs from 1 October 1997 to 30 June 1998 (39 weeks). */
export const CDNOW_HOLDOUT_END = '1998-06-30T23:59:59Z';
/** BG/NBD on the calibration period with time in weeks, as published (FHL 2005, table 1). */
export const CDNOW_PUBLISHED_BG_NBD = { r: 0.243, alphaWeeks: 4.414, a: 0.793, b: 2.426 } as const;

export function cdnowSamplePath(): string {
  const dir = process.env.CHRONICLE_DATASETS_DIR ?? join(__dirname, '..', '..', '..', '..', '.engines', 'datasets');
  return join(dir, 'cdnow', 'CDNOW_sample.txt');
}

const FETCH_SCRIPT = join(__dirname, '..', '..', '..', '..', 'test', 'datasets', 'fetch-cdnow.sh');

/**
 * Every purchase of the sample. Not cached yet (a fresh clone, a suite run on its own): runs the
 * setup script, which fetches it from PyPI or fails with pip's error; this then throws with it.
 */
export function loadCdnowSample(path = cdnowSamplePath()): CdnowPurchase[] {
  if (!existsSync(path)) {
    const fetched = spawnSync('bash', [FETCH_SCRIPT], { encoding: 'utf8', env: { ...process.env, CHRONICLE_DATASETS_DIR: dirname(dirname(path)) } });
    if (fetched.status !== 0 || !existsSync(path)) {
      throw new Error(`The CDNOW sample is not at ${path} and ${FETCH_SCRIPT} could not fetch it (exit ${fetched.status ?? fetched.signal}):\n${fetched.stdout}${fetched.stderr}${fetched.error ? String(fetched.error) : ''}`);
    }
  }
  const purchases: CdnowPurchase[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, index) => {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5) return;
    const [, id, date, cds, dollars] = fields;
    purchases.push({
      customerId: `cdnow-${id}`,
      orderId: `cdnow-${id}-${index + 1}`,
      at: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T12:00:00.000Z`,
      cds: Number(cds),
      amountMinor: Math.round(Number(dollars) * 100),
    });
  });
  return purchases;
}

/** Each customer's history (orders only, in USD), customers in id order as the read store scans them. */
export function cdnowHistories(purchases: readonly CdnowPurchase[]): Map<string, CustomerHistory> {
  const orders = new Map<string, OrderFact[]>();
  for (const p of purchases) {
    const list = orders.get(p.customerId) ?? [];
    list.push({ orderId: p.orderId, at: p.at, currency: 'USD', grossMinor: p.amountMinor });
    orders.set(p.customerId, list);
  }
  const histories = new Map<string, CustomerHistory>();
  for (const id of [...orders.keys()].sort()) {
    const list = (orders.get(id) ?? []).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    histories.set(id, { orders: list, refunds: [], nps: [], tickets: [] });
  }
  return histories;
}
