// The SLA a ticket gets from its priority when the helpdesk names none, and how a priority change
// carries it over. Pure: the decider and the HTTP API both read it from here.
import type { SlaPolicy, TicketPriority } from './ticket.events';

/** Default SLA targets by priority, in minutes. */
export const DEFAULT_SLA: Readonly<Record<TicketPriority, { firstResponseMinutes: number; resolutionMinutes: number }>> = {
  urgent: { firstResponseMinutes: 30, resolutionMinutes: 240 },
  high: { firstResponseMinutes: 120, resolutionMinutes: 1440 },
  normal: { firstResponseMinutes: 480, resolutionMinutes: 4320 },
  low: { firstResponseMinutes: 1440, resolutionMinutes: 10080 },
};

/** The policy a ticket opened without one gets: named after its priority. */
export function defaultSlaPolicy(priority: TicketPriority): SlaPolicy {
  return { name: `default-${priority}`, ...DEFAULT_SLA[priority] };
}

/**
 * The policy after a priority change: a ticket on its priority's default policy moves to the new
 * priority's default (an urgent ticket is due sooner); a policy the helpdesk chose stays as it is.
 */
export function slaAfterPriorityChange(current: SlaPolicy, from: TicketPriority, to: TicketPriority): SlaPolicy {
  const wasDefault = current.name === `default-${from}`
    && current.firstResponseMinutes === DEFAULT_SLA[from].firstResponseMinutes
    && current.resolutionMinutes === DEFAULT_SLA[from].resolutionMinutes;
  return wasDefault ? defaultSlaPolicy(to) : current;
}
