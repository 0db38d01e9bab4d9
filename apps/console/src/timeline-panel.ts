// The customer's full timeline, newest first: filters by channel and kind, older pages as the agent
// scrolls (or presses "Load older"), rows that expand to the full text, author, order lines and
// answers, and new entries merged in place when the live stream says so (expanded rows and focus
// stay as they are).
import type { ChronicleApi } from './api-client';
import { h, redrawKeepingFocus, uniqueId } from './element';
import { counted, dateTime, relativeTime, words } from './display-format';
import { TIMELINE_CHANNELS, TIMELINE_KINDS, type TimelineEntry, type TimelinePage } from './read-models';
import { authorOf, entryDetails, entryText, rowSummary, type Names } from './timeline-details';

const PAGE_SIZE = 25;

/** Timeline order: newest first by business time, then by event id (the API's own order). */
export function newerFirst(a: TimelineEntry, b: TimelineEntry): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? 1 : -1;
  return a.eventId < b.eventId ? 1 : a.eventId > b.eventId ? -1 : 0;
}

/**
 * Merges a fresh first page into what is shown: unknown entries are added where they sort, but only
 * inside the range already loaded (older ones will come with the next page anyway).
 */
export function mergeEntries(shown: readonly TimelineEntry[], fresh: readonly TimelineEntry[], complete: boolean): { entries: TimelineEntry[]; added: string[] } {
  const known = new Set(shown.map((entry) => entry.eventId));
  const oldest = shown[shown.length - 1];
  const added = fresh.filter((entry) => !known.has(entry.eventId) && (complete || oldest === undefined || newerFirst(entry, oldest) < 0));
  return { entries: [...shown, ...added].sort(newerFirst), added: added.map((entry) => entry.eventId) };
}

/** The ticket an event belongs to, for naming ticket rows. */
function ticketIdOf(entry: TimelineEntry): string | null {
  const id = entry.data?.ticketId;
  return entry.channel === 'ticket' && typeof id === 'string' ? id : null;
}

export class TimelinePanel {
  readonly element: HTMLElement;
  private entries: TimelineEntry[] = [];
  private nextCursor: string | null = null;
  private loading = false;
  private generation = 0;
  private readonly list: HTMLOListElement;
  private readonly status: HTMLElement;
  private readonly more: HTMLButtonElement;
  private readonly channel: HTMLSelectElement;
  private readonly kind: HTMLSelectElement;
  private readonly sentinel: HTMLElement;
  private readonly observer: IntersectionObserver;
  private readonly nodes = new Map<string, HTMLLIElement>();

  constructor(private readonly api: ChronicleApi, private readonly customerId: string, private readonly names: Names) {
    this.channel = h('select', { id: 'timeline-channel', onchange: () => void this.reload() }, h('option', { value: '' }, 'All channels'), ...TIMELINE_CHANNELS.map((c) => h('option', { value: c }, c)));
    this.kind = h('select', { id: 'timeline-kind', onchange: () => void this.reload() }, h('option', { value: '' }, 'All kinds'), ...TIMELINE_KINDS.map((k) => h('option', { value: k }, words(k))));
    this.list = h('ol', { class: 'timeline', 'aria-label': 'Interactions, newest first' });
    this.status = h('p', { class: 'timeline-status', role: 'status', 'aria-live': 'polite' });
    this.more = h('button', { type: 'button', class: 'secondary', onclick: () => void this.loadMore() }, 'Load older interactions');
    this.sentinel = h('div', { class: 'timeline-sentinel', 'aria-hidden': 'true' });
    this.observer = new IntersectionObserver((observed) => {
      if (observed.some((entry) => entry.isIntersecting)) void this.loadMore();
    }, { rootMargin: '400px' });
    this.observer.observe(this.sentinel);
    this.element = h('section', { class: 'panel', id: 'timeline', 'aria-labelledby': 'timeline-title' },
      h('h2', { id: 'timeline-title' }, 'Timeline'),
      h('div', { class: 'filters' },
        h('label', { for: 'timeline-channel' }, 'Channel'), this.channel,
        h('label', { for: 'timeline-kind' }, 'Kind'), this.kind,
      ),
      this.list, this.status, this.more, this.sentinel,
    );
  }

  dispose(): void {
    this.observer.disconnect();
    this.generation++;
  }

  private filters(): Record<string, string | undefined> {
    return { channel: this.channel.value || undefined, kind: this.kind.value || undefined };
  }

  /**
   * Looks at the sentinel afresh once a page is in: an observer reports only changes, so with the
   * sentinel still in view after a filter change (fewer rows than before) it would never fire again
   * and scrolling stalled.
   */
  private watchSentinel(): void {
    this.observer.unobserve(this.sentinel);
    this.observer.observe(this.sentinel);
  }

  /** First page, replacing what is shown (on open and when a filter changes). */
  async reload(minPosition?: number): Promise<void> {
    const generation = ++this.generation;
    this.loading = true;
    this.status.textContent = 'Loading the timeline…';
    try {
      const page = await this.api.get<TimelinePage>(`/customers/${encodeURIComponent(this.customerId)}/timeline`, { limit: PAGE_SIZE, minPosition, ...this.filters() });
      if (generation !== this.generation) return;
      this.entries = [...page.items];
      this.nextCursor = page.nextCursor;
      this.nodes.clear();
      this.render([]);
      this.status.textContent = this.entries.length === 0 ? 'No interactions match.' : `${counted(this.entries.length, 'interaction')} shown${this.nextCursor ? ', older ones load as you scroll' : ''}.`;
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        this.watchSentinel();
      }
    }
  }

  async loadMore(): Promise<void> {
    if (this.loading || this.nextCursor === null) return;
    const generation = this.generation;
    this.loading = true;
    this.status.textContent = 'Loading older interactions…';
    try {
      const page = await this.api.get<TimelinePage>(`/customers/${encodeURIComponent(this.customerId)}/timeline`, { limit: PAGE_SIZE, cursor: this.nextCursor, ...this.filters() });
      if (generation !== this.generation) return;
      const known = new Set(this.entries.map((e) => e.eventId));
      this.entries.push(...page.items.filter((item) => !known.has(item.eventId)));
      this.nextCursor = page.nextCursor;
      this.render([]);
      this.status.textContent = `${counted(this.entries.length, 'interaction')} shown${this.nextCursor ? '' : ', that is all of them'}.`;
    } catch (error) {
      if (generation === this.generation) this.status.textContent = error instanceof Error ? error.message : 'Loading failed.';
    } finally {
      if (generation === this.generation) {
        this.loading = false;
        this.watchSentinel();
      }
    }
  }

  /** Brings in what happened since the page was drawn, waiting for the read model to reach `minPosition`. */
  async refreshHead(minPosition: number): Promise<void> {
    const generation = this.generation;
    const page = await this.api.get<TimelinePage>(`/customers/${encodeURIComponent(this.customerId)}/timeline`, { limit: PAGE_SIZE, minPosition, ...this.filters() });
    if (generation !== this.generation) return;
    const { entries, added } = mergeEntries(this.entries, page.items, this.nextCursor === null);
    if (added.length === 0) return;
    this.entries = entries;
    this.render(added);
    this.status.textContent = added.length === 1 ? 'One new interaction.' : `${added.length} new interactions.`;
  }

  /** Ticket subjects arrived (or changed): rename the ticket rows already drawn. */
  renameTickets(): void {
    for (const entry of this.entries) {
      const ticketId = ticketIdOf(entry);
      const node = this.nodes.get(entry.eventId);
      const label = node?.querySelector('.entry-ticket');
      if (ticketId && label) label.textContent = this.ticketLabel(ticketId);
    }
  }

  /** Relative times move on; the text changes, nothing else. */
  tick(now: Date = new Date()): void {
    for (const time of this.list.querySelectorAll<HTMLTimeElement>('time[datetime]')) time.textContent = relativeTime(time.dateTime, now);
  }

  private ticketLabel(ticketId: string): string {
    const subject = this.names.ticket(ticketId);
    return subject ? `Ticket “${subject}”` : `Ticket ${ticketId}`;
  }

  private row(entry: TimelineEntry, fresh: boolean): HTMLLIElement {
    const detailsId = uniqueId('entry-details');
    const details = h('div', { class: 'entry-details', id: detailsId, hidden: true });
    const text = entryText(entry);
    const author = entry.kind === 'NoteAdded' || entry.kind === 'TicketReplied' || entry.kind === 'TicketNoteAdded' || entry.kind === 'CallLogged' ? authorOf(entry, this.names) : null;
    const ticketId = ticketIdOf(entry);
    const toggle = h('button', {
      type: 'button', class: 'link-button entry-toggle', 'aria-expanded': 'false', 'aria-controls': detailsId, 'data-focus-key': `entry:${entry.eventId}`,
      onclick: () => {
        const open = toggle.getAttribute('aria-expanded') !== 'true';
        if (open && details.childElementCount === 0) details.append(entryDetails(entry, this.names));
        toggle.setAttribute('aria-expanded', String(open));
        toggle.textContent = open ? 'Hide details' : 'Details';
        details.hidden = !open;
        // The details start with the full text: the clipped preview above them would say it twice.
        if (preview) preview.hidden = open;
      },
    }, 'Details');
    const preview = text !== null ? h('p', { class: 'entry-text' }, text) : null;
    return h('li', { class: `entry channel-${entry.channel}${fresh ? ' fresh' : ''}`, 'data-event-id': entry.eventId, 'data-kind': entry.kind },
      h('div', { class: 'entry-line' },
        h('time', { datetime: entry.occurredAt, title: dateTime(entry.occurredAt) }, relativeTime(entry.occurredAt)),
        h('span', { class: 'channel' }, entry.channel),
        h('span', { class: 'summary' },
          ticketId ? h('a', { class: 'entry-ticket', href: `#/tickets/${encodeURIComponent(ticketId)}` }, this.ticketLabel(ticketId)) : null,
          ticketId ? ': ' : null,
          rowSummary(entry, this.names),
          author ? h('span', { class: 'by' }, ` — by ${author}`) : null),
        toggle,
      ),
      preview,
      details,
    );
  }

  private render(added: readonly string[]): void {
    const fresh = new Set(added);
    redrawKeepingFocus(this.list, () => {
      const items = this.entries.map((entry) => {
        let node = this.nodes.get(entry.eventId);
        if (!node) {
          node = this.row(entry, fresh.has(entry.eventId));
          this.nodes.set(entry.eventId, node);
        }
        return node;
      });
      // Rows already drawn stay where they are, new ones are slotted in: an expanded row stays
      // expanded, and a focused control is never taken out of the document (which would blur it).
      items.forEach((node, index) => {
        if (this.list.children[index] !== node) this.list.insertBefore(node, this.list.children[index] ?? null);
      });
      while (this.list.children.length > items.length) this.list.lastElementChild?.remove();
    });
    this.more.hidden = this.nextCursor === null;
  }
}
