import { churnRisk } from './churn-risk';

const base = { pAlive: 0.6, pNoPurchase: 0.5, horizonDays: 90, openTickets: 0, npsLastClass: null } as const;

describe('churn risk', () => {
  it('is the model’s probability of no purchase in the horizon when there are no service signals', () => {
    expect(churnRisk(base)).toEqual({
      score: 50, probability: 0.5, horizonDays: 90,
      explain: { pAlive: 0.6, modelProbability: 0.5, openTickets: 0, ticketMultiplier: 1, npsLastClass: null, npsMultiplier: 1 },
    });
  });

  it('moves the odds by the documented multipliers: 1.25 per open ticket (at most 3), detractor 1.5, passive 1.1, promoter 0.9', () => {
    // Odds 1 × 1.25² × 1.5 = 2.34375 → 0.7009.
    expect(churnRisk({ ...base, openTickets: 2, npsLastClass: 'detractor' })).toMatchObject({ score: 70, probability: 0.7009 });
    expect(churnRisk({ ...base, openTickets: 7 }).explain.ticketMultiplier).toBe(1.9531);
    expect(churnRisk({ ...base, npsLastClass: 'promoter' }).probability).toBeCloseTo(0.9 / 1.9, 4);
  });

  it('is monotonic in the model’s probability and in every service signal, and keeps certainty certain', () => {
    const grid = [0.01, 0.2, 0.5, 0.8, 0.99];
    for (const signals of [{}, { openTickets: 1 }, { openTickets: 3, npsLastClass: 'detractor' as const }]) {
      const scores = grid.map((pNoPurchase) => churnRisk({ ...base, ...signals, pNoPurchase }).probability);
      for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeGreaterThan(scores[i - 1]);
    }
    const byTickets = [0, 1, 2, 3].map((openTickets) => churnRisk({ ...base, openTickets }).probability);
    for (let i = 1; i < byTickets.length; i++) expect(byTickets[i]).toBeGreaterThan(byTickets[i - 1]);
    const byNps = (['promoter', null, 'passive', 'detractor'] as const).map((npsLastClass) => churnRisk({ ...base, npsLastClass }).probability);
    for (let i = 1; i < byNps.length; i++) expect(byNps[i]).toBeGreaterThan(byNps[i - 1]);
    expect(churnRisk({ ...base, pNoPurchase: 1, npsLastClass: 'promoter' }).score).toBe(100);
    expect(churnRisk({ ...base, pNoPurchase: 0, openTickets: 3 }).score).toBe(0);
  });
});
