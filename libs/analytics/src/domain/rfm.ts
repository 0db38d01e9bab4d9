// RFM scoring. Each customer with at least one order gets a 1–5 score per dimension from their
// rank in the population: score = 1 + floor(5 × worse / n), capped at 5, where `worse` is the
// number of customers strictly worse on that dimension (longer recency, fewer orders, less net
// revenue) and n the population size. Ties share a score, and with n a multiple of 5 and distinct
// values each score holds exactly a fifth (quintiles).
//
// The ranks are kept as four cut points per dimension (RfmCutPoints), which score exactly as the
// ranks do: with values sorted ascending ("higher is better"), score ≥ k ⇔ worse ≥ ⌈(k−1)n/5⌉ ⇔
// value > sorted[⌈(k−1)n/5⌉ − 1]. So a population snapshot holds 12 numbers, not every customer.
//
// The values are the classic ones, not the model's: recency is whole days since the last order,
// frequency counts every order (the first, and several on one day), monetary is total net revenue.
// Pure: "now" comes in as recency days.
const DAY_MS = 86_400_000;

export interface RfmValues {
  /** Whole days since the last purchase (0 if it is in the future of "now"). */
  readonly recencyDays: number;
  /** Orders, every one counted. */
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

/**
 * Per dimension, the values a customer must exceed for scores 2, 3, 4 and 5. Recency is stored as
 * days (lower is better): R ≥ k when recencyDays < recencyDays[k − 2].
 */
export interface RfmCutPoints {
  readonly population: number;
  readonly recencyDays: readonly number[];
  readonly frequency: readonly number[];
  readonly monetaryMinor: readonly number[];
}

/** Whole days from `lastPurchaseAt` to `now`, never negative. */
export function recencyDays(lastPurchaseAt: string, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - Date.parse(lastPurchaseAt)) / DAY_MS));
}

export function rankScore(worse: number, population: number): number {
  if (population <= 0) return 1;
  return Math.min(5, 1 + Math.floor((5 * worse) / population));
}

/** The four "higher is better" cut points of ascending values. */
function cutsOf(ascending: readonly number[]): number[] {
  const n = ascending.length;
  if (n === 0) return [];
  return [2, 3, 4, 5].map((k) => ascending[Math.ceil(((k - 1) * n) / 5) - 1]);
}

export function rfmCutPoints(values: readonly RfmValues[]): RfmCutPoints {
  const ascending = (a: number, b: number) => a - b;
  return {
    population: values.length,
    recencyDays: cutsOf(values.map((v) => -v.recencyDays).sort(ascending)).map((cut) => -cut),
    frequency: cutsOf(values.map((v) => v.frequency).sort(ascending)),
    monetaryMinor: cutsOf(values.map((v) => v.monetaryMinor).sort(ascending)),
  };
}

export function scoreRfm(values: RfmValues, cuts: RfmCutPoints): RfmScores {
  const r = 1 + cuts.recencyDays.filter((cut) => values.recencyDays < cut).length;
  const f = 1 + cuts.frequency.filter((cut) => values.frequency > cut).length;
  const m = 1 + cuts.monetaryMinor.filter((cut) => values.monetaryMinor > cut).length;
  return { r, f, m, score: `${r}${f}${m}` };
}

export type ScoreCounts = Readonly<Record<'1' | '2' | '3' | '4' | '5', number>>;

export interface RfmDistribution {
  readonly population: number;
  /** Customers per combined score, only scores that occur, ascending. */
  readonly byScore: Readonly<Record<string, number>>;
  readonly recency: ScoreCounts;
  readonly frequency: ScoreCounts;
  readonly monetary: ScoreCounts;
}

/** Scores every customer of the population against its cut points and counts them. */
export function rfmDistribution(values: readonly RfmValues[], cuts: RfmCutPoints = rfmCutPoints(values)): RfmDistribution {
  const zero = () => ({ '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 });
  const recency = zero();
  const frequency = zero();
  const monetary = zero();
  const byScore = new Map<string, number>();
  for (const value of values) {
    const s = scoreRfm(value, cuts);
    recency[String(s.r) as keyof typeof recency]++;
    frequency[String(s.f) as keyof typeof frequency]++;
    monetary[String(s.m) as keyof typeof monetary]++;
    byScore.set(s.score, (byScore.get(s.score) ?? 0) + 1);
  }
  return {
    population: values.length,
    byScore: Object.fromEntries([...byScore.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
    recency,
    frequency,
    monetary,
  };
}
