import { defaultSlaPolicy, slaAfterPriorityChange } from './ticket-sla-policy';

describe('SLA policy after a priority change', () => {
  it('follows the priority while the ticket is on its default policy', () => {
    expect(slaAfterPriorityChange(defaultSlaPolicy('low'), 'low', 'urgent')).toEqual({ name: 'default-urgent', firstResponseMinutes: 30, resolutionMinutes: 240 });
  });

  it('keeps a policy the helpdesk chose, even one named like a default with other targets', () => {
    const chosen = { name: 'gold-contract', firstResponseMinutes: 15, resolutionMinutes: 60 };
    expect(slaAfterPriorityChange(chosen, 'high', 'low')).toBe(chosen);
    const lookalike = { name: 'default-low', firstResponseMinutes: 5, resolutionMinutes: 10 };
    expect(slaAfterPriorityChange(lookalike, 'low', 'urgent')).toBe(lookalike);
  });
});
