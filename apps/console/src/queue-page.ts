// The home page: the agent's work queue, most urgent first (the server's order: next SLA deadline,
// then priority, then age). My open tickets, those breached or due within the hour, and the
// unassigned ones, with their counts, kept current by the tickets' live stream and re-read every
// minute (time alone makes a ticket due).
import type { ChronicleApi } from './api-client';
import { ApiError } from './api-problem';
import { ticketRow } from './customer-sections';
import { countdown } from './display-format';
import { h, redrawKeepingFocus, replaceChildren } from './element';
import { CatchUp } from './catch-up';
import { followStream } from './live-updates';
import { LiveStatus } from './live-status';
import type { QueueItem, QueuePage as QueueAnswer } from './read-models';

interface TicketChange {
  readonly ticketId: string;
  readonly position: number;
}

/** Minutes ahead that count as "due soon". */
export const DUE_SOON_MINUTES = 60;
const LIMIT = 100;

interface QueueList {
  readonly id: string;
  readonly title: string;
  readonly empty: string;
  readonly query: Readonly<Record<string, string | number>>;
}

const LISTS: readonly QueueList[] = [
  { id: 'queue-mine', title: 'My open tickets', empty: 'Nothing assigned to you is open.', query: { assignee: 'me' } },
  { id: 'queue-due', title: 'SLA breached or due within the hour', empty: 'No open ticket is breached or due within the hour.', query: { dueWithinMinutes: DUE_SOON_MINUTES } },
  { id: 'queue-unassigned', title: 'Unassigned', empty: 'Every open ticket has an agent.', query: { assignee: 'none' } },
];

/** Ticket ids in the order the queue shows them, first list first, each once: what "next ticket" follows. */
let queueOrder: string[] = [];

export function nextTicketAfter(current: string | undefined): string | undefined {
  if (current === undefined) return queueOrder[0];
  const index = queueOrder.indexOf(current);
  return index === -1 ? queueOrder[0] : queueOrder[index + 1];
}

/** Reads the queue's order afresh (for "next ticket" from a page the queue was not drawn on). */
export async function loadQueueOrder(api: ChronicleApi): Promise<void> {
  const answers = await Promise.all(LISTS.map((list) => api.get<QueueAnswer>('/tickets', { ...list.query, limit: LIMIT })));
  queueOrder = [...new Set(answers.flatMap((answer) => answer.items.map((item) => item.ticketId)))];
}

export class QueuePage {
  readonly element: HTMLElement;
  private readonly heading = h('h1', { tabindex: -1, id: 'queue-title' }, 'Work queue');
  private readonly liveStatus = new LiveStatus();
  private readonly sections = new Map<string, HTMLElement>();
  private readonly live = new AbortController();
  /** The newest position of a ticket drawn: where the live stream resumes. */
  private wanted = 0;
  private readonly catchUp = new CatchUp((position) => this.load(position || undefined), (behind) => this.liveStatus.setBehind(behind));
  private readonly ticker: ReturnType<typeof setInterval>;
  /** How many tickets each list shows: LIMIT, and LIMIT more each time the agent asks for more. */
  private readonly shown = new Map<string, number>();

  constructor(private readonly api: ChronicleApi, private readonly agentName: (id: string | null | undefined) => string | null) {
    for (const list of LISTS) this.sections.set(list.id, h('section', { class: 'panel queue-list', id: list.id, 'aria-labelledby': `${list.id}-title` }, h('h2', { id: `${list.id}-title` }, list.title)));
    this.element = h('main', { class: 'queue-page', 'aria-labelledby': 'queue-title', 'aria-busy': 'true' },
      h('header', { class: 'page-header' }, this.heading, h('p', { class: 'muted' }, 'Most urgent first: the next SLA deadline, then priority, then age.'), this.liveStatus.element),
      h('div', { class: 'queue-grid' }, ...this.sections.values()),
    );
    // Time alone moves tickets into "due within the hour": read again every minute, count down every 30 s.
    let ticks = 0;
    this.ticker = setInterval(() => {
      for (const node of this.element.querySelectorAll<HTMLElement>('[data-due-at]')) {
        const { text, overdue } = countdown(node.dataset.dueAt as string);
        node.textContent = text;
        node.classList.toggle('overdue', overdue);
      }
      if (++ticks % 2 === 0) void this.refresh(0);
    }, 30_000);
  }

  async open(): Promise<boolean> {
    try {
      await this.load(undefined);
      this.element.removeAttribute('aria-busy');
      followStream<TicketChange>(this.api, '/live/tickets', { events: ['changed'], ...(this.wanted > 0 ? { lastEventId: String(this.wanted) } : {}) }, {
        message: (change) => void this.refresh(change.position),
        state: (state, reason) => this.liveStatus.show(state, reason),
        resumed: () => void this.refresh(this.wanted),
      }, this.live.signal);
      return true;
    } catch (error) {
      this.element.removeAttribute('aria-busy');
      if (error instanceof ApiError && error.status === 401) return false;
      replaceChildren(this.element, this.heading, h('p', { role: 'alert' }, error instanceof Error ? error.message : 'The queue could not be loaded.'));
      return true;
    }
  }

  dispose(): void {
    this.live.abort();
    this.catchUp.dispose();
    clearInterval(this.ticker);
  }

  focusHeading(): void {
    this.heading.focus();
  }

  /** Re-reads every list once per burst of changes, at least at the newest position announced (a failure is retried). */
  private refresh(position: number): Promise<void> {
    this.wanted = Math.max(this.wanted, position);
    return this.catchUp.request(this.wanted, true);
  }

  /** A list's tickets up to what the agent asked to see, a page at a time by the queue's cursor; the total from its first page. */
  private async readList(list: QueueList, minPosition: number | undefined): Promise<QueueAnswer> {
    const wanted = this.shown.get(list.id) ?? LIMIT;
    const first = await this.api.get<QueueAnswer>('/tickets', { ...list.query, limit: LIMIT, minPosition });
    const items = [...first.items];
    for (let cursor = first.nextCursor ?? null; cursor !== null && items.length < wanted; ) {
      const next = await this.api.get<QueueAnswer>('/tickets', { ...list.query, limit: LIMIT, cursor });
      items.push(...next.items);
      cursor = next.nextCursor ?? null;
    }
    return { items, total: first.total };
  }

  private showMore(list: QueueList): void {
    this.shown.set(list.id, (this.shown.get(list.id) ?? LIMIT) + LIMIT);
    void this.refresh(0);
  }

  private async load(minPosition: number | undefined): Promise<void> {
    const answers = await Promise.all(LISTS.map((list) => this.readList(list, minPosition)));
    queueOrder = [...new Set(answers.flatMap((answer) => answer.items.map((item) => item.ticketId)))];
    let total = 0;
    LISTS.forEach((list, index) => {
      const answer = answers[index];
      if (list.id === 'queue-mine') total = answer.total;
      this.wanted = Math.max(this.wanted, ...answer.items.map((item) => item.lastPosition ?? 0));
      const section = this.sections.get(list.id) as HTMLElement;
      redrawKeepingFocus(section, () => replaceChildren(section,
        h('h2', { id: `${list.id}-title` }, `${list.title} `, h('span', { class: 'count', 'data-count': answer.total }, `(${answer.total})`)),
        answer.items.length === 0
          ? h('p', { class: 'muted' }, list.empty)
          : h('ol', { class: 'tickets' }, ...answer.items.map((item) => h('li', { 'data-ticket-id': item.ticketId }, ticketRow(item, this.extra(item))))),
        answer.total > answer.items.length
          ? h('p', { class: 'muted more' }, `${answer.total - answer.items.length} more not shown. `,
            h('button', { type: 'button', class: 'secondary', 'data-focus-key': `more:${list.id}`, onclick: () => this.showMore(list) }, `Show ${Math.min(LIMIT, answer.total - answer.items.length)} more`))
          : null,
      ));
    });
    document.title = total > 0 ? `(${total}) Work queue · Chronicle` : 'Work queue · Chronicle';
  }

  private extra(item: QueueItem) {
    return [
      h('span', { class: 'queue-customer' }, ' · ', h('a', { href: `#/customers/${encodeURIComponent(item.customerId)}` }, item.customerName ?? item.customerId)),
      h('span', { class: 'muted' }, ` · ${item.assigneeId ? (this.agentName(item.assigneeId) ?? item.assigneeId) : 'unassigned'} · waiting on ${item.waitingOn === 'agent' ? 'us' : 'the customer'}`),
    ];
  }
}
