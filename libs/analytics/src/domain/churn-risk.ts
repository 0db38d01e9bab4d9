// Churn risk, 0–100: the probability, in percent, that the customer makes no purchase in the next
// `horizonDays`, from BG/NBD (P(alive) and the posterior purchase rate; see bg-nbd.ts), then moved
// by the service signals as fixed odds multipliers:
//   open tickets   × 1.25 per ticket open at the observation date, at most 3 (× 1.95)
//   last NPS       detractor × 1.5, passive × 1.1, promoter × 0.9, none × 1
// adjusted odds = model odds × multipliers; risk = odds / (1 + odds).
// Monotonic: risk rises as P(alive) falls and as the time since the last purchase grows (all else
// equal), and with each worse service signal. Calibrated: without service signals the score is the
// model's own probability of the event it names, which the benchmark checks against a holdout
// period. The multipliers are documented priors, not estimated from data (the public histories the
// model is validated on carry no tickets or surveys); a customer with no signals gets exactly the
// model's figure.
import type { NpsBand } from './customer-history';

export const TICKET_ODDS_MULTIPLIER = 1.25;
export const MAX_TICKETS_COUNTED = 3;
export const NPS_ODDS_MULTIPLIERS: Readonly<Record<NpsBand, number>> = { detractor: 1.5, passive: 1.1, promoter: 0.9 };

export interface ChurnRisk {
  /** round(100 × probability). */
  readonly score: number;
  /** Adjusted probability of no purchase within `horizonDays`. */
  readonly probability: number;
  readonly horizonDays: number;
  readonly explain: {
    readonly pAlive: number;
    /** The model's probability of no purchase within the horizon, before adjustments. */
    readonly modelProbability: number;
    readonly openTickets: number;
    readonly ticketMultiplier: number;
    readonly npsLastClass: NpsBand | null;
    readonly npsMultiplier: number;
  };
}

export function churnRisk(input: {
  readonly pAlive: number;
  readonly pNoPurchase: number;
  readonly horizonDays: number;
  readonly openTickets: number;
  readonly npsLastClass: NpsBand | null;
}): ChurnRisk {
  const ticketMultiplier = TICKET_ODDS_MULTIPLIER ** Math.min(MAX_TICKETS_COUNTED, input.openTickets);
  const npsMultiplier = input.npsLastClass === null ? 1 : NPS_ODDS_MULTIPLIERS[input.npsLastClass];
  const p = Math.min(1, Math.max(0, input.pNoPurchase));
  let probability: number;
  if (p >= 1) probability = 1;
  else if (p <= 0) probability = 0;
  else {
    const odds = (p / (1 - p)) * ticketMultiplier * npsMultiplier;
    probability = odds / (1 + odds);
  }
  return {
    score: Math.round(100 * probability),
    probability: round(probability, 4),
    horizonDays: input.horizonDays,
    explain: {
      pAlive: round(input.pAlive, 4),
      modelProbability: round(p, 4),
      openTickets: input.openTickets,
      ticketMultiplier: round(ticketMultiplier, 4),
      npsLastClass: input.npsLastClass,
      npsMultiplier,
    },
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
