// The customer's full timeline, newest first: filters by channel and kind, older pages as the agent
// scrolls (or presses "Load older"), and new entries merged in place when the live stream says so.
import type { ChronicleApi } from './api-client';
import { h, replaceChildren } from './element';
import { dateTime, words } from './display-format';
import { TIMELINE_CHANNELS, TIMELINE_KINDS, type TimelineEntry, type TimelinePage } from './read-models';

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
  private readonly observer: IntersectionObserver;
  private readonly nodes = new Map<string, HTMLLIElement>();

  constructor(private readonly api: ChronicleApi, private readonly customerId: string) {
    this.channel = h('select', { id: 'timeline-channel', onchange: () => void this.reload() }, h('option', { value: '' }, 'All channels'), ...TIMELINE_CHANNELS.map((c) => h('option', { value: c }, c)));
    this.kind = h('select', { id: 'timeline-kind', onchange: () => void this.reload() }, h('option', { value: '' }, 'All kinds'), ...TIMELINE_KINDS.map((k) => h('option', { value: k }, words(k))));
    this.list = h('ol', { class: 'timeline', 'aria-label': 'Interactions, newest first' });
    this.status = h('p', { class: 'timeline-status', role: 'status', 'aria-live': 'polite' });
    this.more = h('button', { type: 'button', class: 'secondary', onclick: () => void this.loadMore() }, 'Load older interactions');
    const sentinel = h('div', { class: 'timeline-sentinel', 'aria-hidden': 'true' });
    this.observer = new IntersectionObserver((observed) => {
      if (observed.some((entry) => entry.isIntersecting)) void this.loadMore();
    }, { rootMargin: '400px' });
    this.observer.observe(sentinel);
    this.element = h('section', { class: 'panel', id: 'timeline', 'aria-labelledby': 'timeline-title' },
      h('h2', { id: 'timeline-title' }, 'Timeline'),
      h('div', { class: 'filters' },
        h('label', { for: 'timeline-channel' }, 'Channel'), this.channel,
        h('label', { for: 'timeline-kind' }, 'Kind'), this.kind,
      ),
      this.list, this.status, this.more, sentinel,
    );
  }

  dispose(): void {
    this.observer.disconnect();
    this.generation++;
  }

  private filters(): Record<string, string | undefined> {
    return { channel: this.channel.value || undefined, kind: this.kind.value || undefined };
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
      this.status.textContent = this.entries.length === 0 ? 'No interactions match.' : `${this.entries.length} interactions shown${this.nextCursor ? ', older ones load as you scroll' : ''}.`;
    } finally {
      if (generation === this.generation) this.loading = false;
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
      this.status.textContent = `${this.entries.length} interactions shown${this.nextCursor ? '' : ', that is all of them'}.`;
    } catch (error) {
      this.status.textContent = error instanceof Error ? error.message : 'Loading failed.';
    } finally {
      if (generation === this.generation) this.loading = false;
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

  private render(added: readonly string[]): void {
    const fresh = new Set(added);
    const items = this.entries.map((entry) => {
      let node = this.nodes.get(entry.eventId);
      if (!node) {
        node = h('li', { class: `entry channel-${entry.channel}${fresh.has(entry.eventId) ? ' fresh' : ''}`, 'data-event-id': entry.eventId, 'data-kind': entry.kind },
          h('time', { datetime: entry.occurredAt }, dateTime(entry.occurredAt)),
          h('span', { class: 'channel' }, entry.channel),
          h('span', { class: 'summary' }, entry.summary),
        );
        this.nodes.set(entry.eventId, node);
      }
      return node;
    });
    replaceChildren(this.list, ...items);
    this.more.hidden = this.nextCursor === null;
  }
}
