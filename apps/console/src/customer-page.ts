// The 360 page of one customer: profile, figures, loyalty, segments, open tickets, timeline and
// quick actions; kept current by the live stream and by read-your-writes after each command.
import type { ChronicleApi } from './api-client';
import { ApiError } from './api-problem';
import { h, replaceChildren } from './element';
import { figuresSection, loyaltySection, profileSection, section, segmentsSection, ticketSummary } from './customer-sections';
import { followCustomer, type LiveState } from './live-updates';
import { addNoteForm, logCallForm, openTicketForm, redeemPointsForm, ticketActions, type ActionContext } from './quick-actions';
import type { Customer360, CustomerAnalytics, LoyaltyAccount, TicketView } from './read-models';
import { TimelinePanel } from './timeline-panel';

interface Reads {
  readonly view: Customer360;
  readonly loyalty: LoyaltyAccount | null;
  readonly analytics: CustomerAnalytics | null;
  readonly tickets: readonly TicketView[];
}

const LIVE_WORDS: Readonly<Record<LiveState, string>> = {
  connecting: 'Connecting to live updates…',
  live: 'Live: new interactions appear as they happen.',
  reconnecting: 'Live updates interrupted, reconnecting…',
  stopped: 'Live updates stopped.',
};

export class CustomerPage {
  readonly element: HTMLElement;
  private readonly heading: HTMLHeadingElement;
  private readonly subtitle: HTMLElement;
  private readonly liveStatus: HTMLElement;
  private readonly activity: HTMLElement;
  private readonly side: HTMLElement;
  private readonly figures: HTMLElement;
  private readonly tickets: HTMLElement;
  private readonly actions: HTMLElement;
  private readonly timeline: TimelinePanel;
  private readonly live = new AbortController();
  private readonly context: ActionContext;
  private shownPosition = 0;
  private refreshing: Promise<void> | undefined;
  private wantedPosition = 0;
  private redeemShown = false;

  constructor(private readonly api: ChronicleApi, readonly customerId: string, agentId: string, private readonly onUnauthorized: (message: string) => void) {
    this.heading = h('h1', { tabindex: -1 }, customerId);
    this.subtitle = h('p', { class: 'muted' });
    this.liveStatus = h('p', { class: 'live-status', role: 'status', 'aria-live': 'polite' });
    this.activity = h('p', { class: 'activity', role: 'status', 'aria-live': 'polite' });
    this.side = h('div', { class: 'side' });
    this.figures = h('div');
    this.tickets = h('div');
    this.actions = h('section', { class: 'panel', id: 'actions', 'aria-labelledby': 'actions-title' });
    this.timeline = new TimelinePanel(api, customerId);
    this.context = {
      api, customerId, agentId,
      committed: (position, ticketId) => this.afterCommand(position, ticketId),
      announce: (message) => { this.activity.textContent = message; },
    };
    this.element = h('main', { class: 'customer-page', 'aria-labelledby': 'customer-title', 'aria-busy': 'true' },
      h('header', { class: 'customer-header' }, this.heading, this.subtitle, this.liveStatus, this.activity),
      h('div', { class: 'customer-grid' }, this.side, h('div', { class: 'main-column' }, this.figures, this.actions, this.tickets, this.timeline.element)),
    );
    this.heading.id = 'customer-title';
  }

  /** Loads and draws everything; resolves when the page is interactive. */
  async open(): Promise<void> {
    try {
      const [reads] = await Promise.all([this.read(undefined), this.timeline.reload()]);
      this.draw(reads);
      this.drawActions(reads);
      this.element.removeAttribute('aria-busy');
      followCustomer(this.api, this.customerId, {
        applied: (update) => void this.follow(update.position),
        state: (state, reason) => { this.liveStatus.textContent = reason ? `${LIVE_WORDS[state]} ${reason}` : LIVE_WORDS[state]; this.liveStatus.dataset.state = state; },
      }, this.live.signal);
    } catch (error) {
      this.element.removeAttribute('aria-busy');
      if (error instanceof ApiError && error.status === 401) return this.onUnauthorized(error.message);
      const message = error instanceof ApiError && error.status === 404 ? `No customer with id “${this.customerId}”.` : error instanceof Error ? error.message : 'The customer could not be loaded.';
      replaceChildren(this.element, h('h1', { tabindex: -1, id: 'customer-title' }, 'Customer not shown'), h('p', { role: 'alert' }, message));
    }
  }

  dispose(): void {
    this.live.abort();
    this.timeline.dispose();
  }

  focusHeading(): void {
    (this.element.querySelector<HTMLElement>('h1') ?? this.heading).focus();
  }

  private async read(minPosition: number | undefined, ticketId?: string): Promise<Reads> {
    const id = encodeURIComponent(this.customerId);
    // The tickets list takes no minPosition: waiting on the ticket itself first gives read-your-writes.
    if (ticketId !== undefined && minPosition !== undefined) await this.api.getIfAvailable(`/tickets/${encodeURIComponent(ticketId)}`, { minPosition });
    const [view, loyalty, analytics, tickets] = await Promise.all([
      this.api.get<Customer360>(`/customers/${id}`, { minPosition }),
      this.api.getIfAvailable<LoyaltyAccount>(`/customers/${id}/loyalty`, { minPosition }),
      this.api.getIfAvailable<CustomerAnalytics>(`/customers/${id}/analytics`, { minPosition }),
      this.api.get<{ items: TicketView[] }>(`/customers/${id}/tickets`, { status: 'open', limit: 50 }),
    ]);
    return { view, loyalty, analytics, tickets: tickets.items };
  }

  private draw(reads: Reads): void {
    const { view } = reads;
    this.shownPosition = Math.max(this.shownPosition, view.lastPosition);
    this.heading.textContent = view.displayName || view.customerId;
    this.subtitle.textContent = `Customer ${view.customerId}${view.externalId ? ` · ${view.externalId}` : ''} · ${view.interactions} interactions`;
    replaceChildren(this.side, profileSection(view), loyaltySection(reads.loyalty, view), segmentsSection(reads.analytics, view));
    replaceChildren(this.figures, figuresSection(view, reads.analytics));
    const focusWasInTickets = this.tickets.contains(document.activeElement);
    replaceChildren(this.tickets, section('open-tickets', `Open tickets (${reads.tickets.length})`,
      reads.tickets.length === 0
        ? h('p', { class: 'muted' }, 'No open ticket.')
        : h('ul', { class: 'tickets' }, ...reads.tickets.map((ticket) => h('li', { 'data-ticket-id': ticket.ticketId }, ticketSummary(ticket), ticketActions(this.context, ticket)))),
    ));
    if (focusWasInTickets) this.tickets.querySelector<HTMLElement>('h2')?.setAttribute('tabindex', '-1');
    if (focusWasInTickets) this.tickets.querySelector<HTMLElement>('h2')?.focus();
    if (!this.redeemShown && reads.loyalty) this.drawActions(reads);
  }

  private drawActions(reads: Reads): void {
    this.redeemShown = reads.loyalty !== null;
    const forms = [logCallForm(this.context), addNoteForm(this.context), openTicketForm(this.context), ...(reads.loyalty ? [redeemPointsForm(this.context)] : [])];
    replaceChildren(this.actions, h('h2', { id: 'actions-title' }, 'Quick actions'), h('div', { class: 'action-forms' }, ...forms.map((form) => form.element)));
  }

  private async afterCommand(position: number, ticketId?: string): Promise<void> {
    const [reads] = await Promise.all([this.read(position, ticketId), this.timeline.refreshHead(position)]);
    this.draw(reads);
  }

  /** Live update: refreshes once per burst, always up to the newest position announced. */
  private follow(position: number): Promise<void> {
    this.wantedPosition = Math.max(this.wantedPosition, position);
    if (this.wantedPosition <= this.shownPosition && this.refreshing === undefined) return Promise.resolve();
    this.refreshing ??= (async () => {
      try {
        while (this.wantedPosition > this.shownPosition) {
          const target = this.wantedPosition;
          const [reads] = await Promise.all([this.read(target), this.timeline.refreshHead(target)]);
          this.draw(reads);
          this.shownPosition = Math.max(this.shownPosition, target);
        }
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) this.onUnauthorized(error.message);
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}
