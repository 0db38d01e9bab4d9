// Percentiles and a markdown table for benchmark reports.
import { cpus, loadavg } from 'node:os';
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function summarise(samples: number[]): { p50: number; p99: number; max: number; n: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN, n: sorted.length };
}

export function table(rows: readonly (readonly string[])[]): string {
  const [head, ...body] = rows;
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * The machine a report was taken on: cores, CPU model, Node and the load average now. These
 * machines are shared, and other work on them moves every figure, so each report says how busy the
 * machine was when it started (and, with `loadNow`, when it ended).
 */
export function machineLine(): string {
  const cores = cpus();
  return `${cores.length} cores (${cores[0]?.model ?? 'unknown'}), Node ${process.version}, load average ${loadNow()}`;
}

/** The 1, 5 and 15-minute load averages. */
export function loadNow(): string {
  return loadavg().map((l) => fmt(l, 1)).join(' ');
}
