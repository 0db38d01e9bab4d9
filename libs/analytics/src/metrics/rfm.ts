// RFM scoring. Each customer with at least one order gets a 1–5 score per dimension from their
// rank in the population: score = 1 + floor(5 × worse / n), capped at 5, where `worse` is the
// number of customers strictly worse on that dimension (longer recency, fewer orders, less net
// revenue) and n the population size. Ties share a score, and with n a multiple of 5 and distinct
// values each score holds exactly a fifth (quintiles). Pure: "now" comes in as recency days.

const DAY_MS = 86_400_000;

export interface RfmValues {
  /** Whole days since the last purchase (0 if it is in the future of "now"). */
  readonly recencyDays: number;
  /** Orders. */
  readonly frequency: number;
  /** Net revenue, minor units. */
  readonly monetaryMinor: number;
}

export interface RfmScores {
  readonly r: number;
  readonly f: number;
  readonly m: number;
  /** `${r}${f}${m}`, e.g. `545`. */
  readonly score: string;
}

/** Whole days from `lastPurchaseAt` to `now`, never negative. */
export function recencyDays(lastPurchaseAt: string, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - Date.parse(lastPurchaseAt)) / DAY_MS));
}

/** Count of sorted values strictly below `value` (binary search). */
function countBelow(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function rankScore(worse: number, population: number): number {
  if (population <= 0) return 1;
  return Math.min(5, 1 + Math.floor((5 * worse) / population));
}

/** The population RFM scores are ranked against; values may repeat (one entry per customer). */
export class RfmPopulation {
  /** Negated recency, so "higher is better" holds on every dimension. */
  private readonly recency: number[];
  private readonly frequency: number[];
  private readonly monetary: number[];

  constructor(values: readonly RfmValues[]) {
    const ascending = (a: number, b: number) => a - b;
    this.recency = values.map((v) => -v.recencyDays).sort(ascending);
    this.frequency = values.map((v) => v.frequency).sort(ascending);
    this.monetary = values.map((v) => v.monetaryMinor).sort(ascending);
  }

  get size(): number {
    return this.frequency.length;
  }

  score(values: RfmValues): RfmScores {
    const n = this.size;
    const r = rankScore(countBelow(this.recency, -values.recencyDays), n);
    const f = rankScore(countBelow(this.frequency, values.frequency), n);
    const m = rankScore(countBelow(this.monetary, values.monetaryMinor), n);
    return { r, f, m, score: `${r}${f}${m}` };
  }
}

export interface RfmDistribution {
  readonly population: number;
  /** Customers per combined score, only scores that occur, ascending. */
  readonly byScore: Readonly<Record<string, number>>;
  readonly recency: Readonly<Record<'1' | '2' | '3' | '4' | '5', number>>;
  readonly frequency: Readonly<Record<'1' | '2' | '3' | '4' | '5', number>>;
  readonly monetary: Readonly<Record<'1' | '2' | '3' | '4' | '5', number>>;
}

/** Scores every customer of the population against it and counts them. */
export function rfmDistribution(values: readonly RfmValues[]): RfmDistribution {
  const population = new RfmPopulation(values);
  const zero = () => ({ '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 });
  const recency = zero();
  const frequency = zero();
  const monetary = zero();
  const byScore = new Map<string, number>();
  for (const value of values) {
    const s = population.score(value);
    recency[String(s.r) as keyof typeof recency]++;
    frequency[String(s.f) as keyof typeof frequency]++;
    monetary[String(s.m) as keyof typeof monetary]++;
    byScore.set(s.score, (byScore.get(s.score) ?? 0) + 1);
  }
  return {
    population: population.size,
    byScore: Object.fromEntries([...byScore.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
    recency,
    frequency,
    monetary,
  };
}
