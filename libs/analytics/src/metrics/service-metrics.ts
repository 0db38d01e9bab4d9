// Service quality figures from summed counts: NPS, CSAT, SLA and first-contact resolution.

/** Percentage rounded to 0.1; null without a denominator. */
export function percent(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((1000 * part) / whole) / 10 : null;
}

/** NPS = % promoters (9–10) − % detractors (0–6), from −100 to 100, rounded to 0.1. */
export function netPromoterScore(promoters: number, detractors: number, answers: number): number | null {
  return answers > 0 ? Math.round((1000 * (promoters - detractors)) / answers) / 10 : null;
}

/** Mean rounded to 0.01; null without a count. */
export function mean(total: number, count: number): number | null {
  return count > 0 ? Math.round((100 * total) / count) / 100 : null;
}
