// The 360 page of one customer: profile (editable), consents with history, figures, loyalty,
// segments, tickets, timeline and quick actions; kept current by the live stream and by
// read-your-writes after each command. Live updates redraw only read-only parts, keeping focus
// where it is: forms are built once, so nothing an agent types is ever thrown away.
import type { ChronicleApi } from './api-client';
import { ApiError } from './api-problem';
import { counted, dateTime } from './display-format';
import { h, redrawKeepingFocus, replaceChildren } from './element';
import { consentList, contactPointList, figuresSection, loyaltySection, profileFacts, section, segmentsSection, ticketRow } from './customer-sections';
import { CatchUp } from './catch-up';
import { followStream } from './live-updates';
import { LiveStatus } from './live-status';
import { ProfileEditor } from './profile-editor';
import { addNoteForm, logCallForm, openTicketForm, redeemPointsForm, type ActionContext } from './quick-actions';
import type { Customer360, CustomerAnalytics, CustomerSegments, LoyaltyAccount, TicketSummary } from './read-models';
import type { Identity } from './session';
import type { Names } from './timeline-details';
import { TimelinePanel } from './timeline-panel';
import type { CommandForm } from './command-form';

interface Reads {
  readonly view: Customer360;
  readonly loyalty: LoyaltyAccount | null;
  readonly analytics: CustomerAnalytics | null;
  readonly segments: CustomerSegments | null;
  readonly tickets: readonly TicketSummary[];
}

interface AppliedUpdate {
  readonly customerId: string;
  readonly position: number;
}

export class CustomerPage {
  readonly element: HTMLElement;
  private readonly heading: HTMLHeadingElement;
  private readonly subtitle: HTMLElement;
  private readonly liveStatus = new LiveStatus();
  private readonly forgottenNotice = h('p', { class: 'notice', id: 'forgotten-notice', hidden: true });
  /** When the customer was forgotten, as last drawn (null: not forgotten); and whether anything was drawn yet. */
  private shownForgotten: string | null = null;
  private drawnOnce = false;
  /** What records or edits: hidden for a forgotten customer, whose personal data is gone for good. */
  private readonly editing: HTMLElement[] = [];
  private readonly profileFacts = h('div');
  private readonly contactPoints = h('div');
  private readonly consents = h('div');
  private readonly loyalty = h('div');
  private readonly segments = h('div');
  private readonly figures = h('div');
  private readonly tickets = h('div');
  private readonly actionForms: HTMLElement;
  private readonly timeline: TimelinePanel;
  private readonly editor: ProfileEditor;
  private readonly live = new AbortController();
  private readonly context: ActionContext;
  private readonly forms: { call: CommandForm; note: CommandForm; ticket: CommandForm };
  private redeem: CommandForm | undefined;
  private ticketSubjects = new Map<string, string>();
  private readonly catchUp: CatchUp;
  /** A ticket a command just opened or changed, to wait for before reading the tickets list. */
  private commandTicket: string | undefined;
  private readonly ticker: ReturnType<typeof setInterval>;

  constructor(
    private readonly api: ChronicleApi,
    readonly customerId: string,
    identity: Identity,
    private readonly agentName: (id: string | null | undefined) => string | null,
  ) {
    this.heading = h('h1', { tabindex: -1, id: 'customer-title' }, customerId);
    this.subtitle = h('p', { class: 'muted' });
    this.catchUp = new CatchUp(async (position) => {
      const ticketId = this.commandTicket;
      const [reads] = await Promise.all([this.read(position || undefined, ticketId), this.timeline.refreshHead(position)]);
      this.draw(reads);
      if (this.commandTicket === ticketId) this.commandTicket = undefined;
    }, (behind) => this.liveStatus.setBehind(behind));
    const names: Names = { agent: agentName, ticket: (id) => this.ticketSubjects.get(id) ?? null };
    this.timeline = new TimelinePanel(api, customerId, names);
    this.context = { api, customerId, identity, committed: (position, ticketId) => this.afterCommand(position, ticketId) };
    this.editor = new ProfileEditor(this.context, api);
    this.forms = { call: logCallForm(this.context), note: addNoteForm(this.context), ticket: openTicketForm(this.context) };
    this.actionForms = h('div', { class: 'action-forms' }, this.forms.call.element, this.forms.note.element, this.forms.ticket.element);
    const disclosure = (summary: string, form: CommandForm) => {
      const details = h('details', { class: 'edit' }, h('summary', {}, summary), form.element);
      this.editing.push(details);
      return details;
    };
    const actions = h('section', { class: 'panel', id: 'actions', 'aria-labelledby': 'actions-title' }, h('h2', { id: 'actions-title' }, 'Quick actions'), this.actionForms);
    this.editing.push(actions);
    this.element = h('main', { class: 'customer-page', 'aria-labelledby': 'customer-title', 'aria-busy': 'true' },
      h('header', { class: 'page-header' }, this.heading, this.subtitle, this.forgottenNotice, this.liveStatus.element),
      h('div', { class: 'customer-grid' },
        h('div', { class: 'side' },
          section('profile', 'Profile', this.profileFacts, disclosure('Edit the profile', this.editor.profileForm),
            h('h3', {}, 'Contact points'), this.contactPoints, disclosure('Add a contact point', this.editor.contactForm)),
          section('consents', 'Consents', this.consents,
            h('details', { class: 'edit', ontoggle: (event) => { if ((event.target as HTMLDetailsElement).open) void this.editor.loadConsentHistory(); } },
              h('summary', {}, 'Consent history'), this.editor.consentHistory),
            disclosure('Record a consent given or withdrawn', this.editor.consentForm)),
          this.loyalty, this.segments),
        h('div', { class: 'main-column' },
          this.figures,
          actions,
          this.tickets,
          this.timeline.element),
      ),
    );
    this.ticker = setInterval(() => this.timeline.tick(), 60_000);
  }

  /** Loads and draws everything; resolves when the page is interactive. */
  async open(): Promise<boolean> {
    try {
      const [reads] = await Promise.all([this.read(undefined), this.timeline.reload()]);
      this.draw(reads);
      this.element.removeAttribute('aria-busy');
      followStream<AppliedUpdate>(this.api, `/customers/${encodeURIComponent(this.customerId)}/live`, { events: ['applied'], lastEventId: String(reads.view.lastPosition) }, {
        message: (update) => { if (update.customerId === this.customerId) void this.catchUp.request(update.position); },
        state: (state, reason) => this.liveStatus.show(state, reason),
        // Back after a drop: the server replayed what was missed; refresh the figures and counts too.
        resumed: () => void this.catchUp.request(this.catchUp.wantedPosition, true),
      }, this.live.signal);
      return true;
    } catch (error) {
      this.element.removeAttribute('aria-busy');
      if (error instanceof ApiError && error.status === 401) return false;
      const message = error instanceof ApiError && error.status === 404 ? `No customer with id “${this.customerId}”.` : error instanceof Error ? error.message : 'The customer could not be loaded.';
      replaceChildren(this.element, h('h1', { tabindex: -1, id: 'customer-title' }, 'Customer not shown'), h('p', { role: 'alert' }, message));
      return true;
    }
  }

  dispose(): void {
    this.live.abort();
    this.catchUp.dispose();
    this.timeline.dispose();
    clearInterval(this.ticker);
  }

  focusHeading(): void {
    (this.element.querySelector<HTMLElement>('h1') ?? this.heading).focus();
  }

  /** Keyboard shortcut targets. */
  focusNote(): void {
    this.forms.note.focus();
  }

  private async read(minPosition: number | undefined, ticketId?: string): Promise<Reads> {
    const id = encodeURIComponent(this.customerId);
    // The tickets list takes no minPosition: waiting on the ticket itself first gives read-your-writes.
    if (ticketId !== undefined && minPosition !== undefined) await this.api.getIfAvailable(`/tickets/${encodeURIComponent(ticketId)}`, { minPosition });
    const [view, loyalty, analytics, segments, tickets] = await Promise.all([
      this.api.get<Customer360>(`/customers/${id}`, { minPosition }),
      this.api.getIfAvailable<LoyaltyAccount>(`/customers/${id}/loyalty`, { minPosition }),
      this.api.getIfAvailable<CustomerAnalytics>(`/customers/${id}/analytics`, { minPosition }),
      this.api.getIfAvailable<CustomerSegments>(`/customers/${id}/segments`, { minPosition }),
      this.ticketsOf(id),
    ]);
    return { view, loyalty, analytics, segments, tickets };
  }

  /** The customer's tickets, newest first, page after page (200 each, at most 1,000: beyond, the newest 1,000). */
  private async ticketsOf(id: string): Promise<TicketSummary[]> {
    const tickets: TicketSummary[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: TicketSummary[]; nextCursor?: string | null } = await this.api.get(`/customers/${id}/tickets`, { limit: 200, ...(cursor === null ? {} : { cursor }) });
      tickets.push(...page.items);
      cursor = page.nextCursor ?? null;
    } while (cursor !== null && tickets.length < 1000);
    return tickets;
  }

  private draw(reads: Reads): void {
    const { view } = reads;
    this.catchUp.shownAt(view.lastPosition);
    const forgotten = view.forgottenAt ?? null;
    // A forgotten customer has no name left to show: say what happened rather than "[forgotten]".
    this.heading.textContent = forgotten ? 'Forgotten customer' : view.displayName || view.customerId;
    this.forgottenNotice.hidden = forgotten === null;
    this.forgottenNotice.textContent = forgotten
      ? `This customer was forgotten on ${dateTime(forgotten)} (right to erasure): their personal data is erased and shows as “[forgotten]”; counts and figures stay. Nothing more can be recorded for them here.`
      : '';
    for (const part of this.editing) part.hidden = forgotten !== null;
    // Forgotten while the page is open: the timeline rows already drawn still hold the erased text
    // (live updates only add rows), so they are read again as the read models now have them.
    if (forgotten !== null && this.shownForgotten === null && this.drawnOnce) void this.timeline.reload(view.lastPosition);
    this.shownForgotten = forgotten;
    this.drawnOnce = true;
    this.subtitle.textContent = `Customer ${view.customerId}${view.externalId ? ` · ${view.externalId}` : ''} · ${counted(view.interactions, 'interaction')}`;
    replaceChildren(this.profileFacts, profileFacts(view));
    replaceChildren(this.contactPoints, contactPointList(view));
    replaceChildren(this.consents, consentList(view));
    replaceChildren(this.loyalty, loyaltySection(reads.loyalty, view));
    replaceChildren(this.segments, segmentsSection(reads.segments));
    replaceChildren(this.figures, figuresSection(view, reads.analytics));
    this.editor.show(view);
    this.ticketSubjects = new Map(reads.tickets.map((ticket) => [ticket.ticketId, ticket.subject ?? ticket.ticketId]));
    this.timeline.renameTickets();
    const open = reads.tickets.filter((ticket) => ticket.status === 'open');
    const done = reads.tickets.filter((ticket) => ticket.status !== 'open');
    redrawKeepingFocus(this.tickets, () => replaceChildren(this.tickets, section('tickets', `Tickets (${open.length} open)`,
      open.length === 0 ? h('p', { class: 'muted' }, 'No open ticket.') : h('ul', { class: 'tickets', id: 'open-tickets' }, ...open.map((ticket) => h('li', { 'data-ticket-id': ticket.ticketId }, ticketRow(ticket, [this.assignee(ticket)])))),
      done.length === 0 ? null : h('details', { class: 'edit' }, h('summary', {}, `Resolved and closed (${done.length})`),
        h('ul', { class: 'tickets' }, ...done.map((ticket) => h('li', { 'data-ticket-id': ticket.ticketId }, ticketRow(ticket))))),
    )));
    // Loyalty may answer only now (or stop answering): its form is added once, never rebuilt.
    if (!this.redeem && reads.loyalty) {
      this.redeem = redeemPointsForm(this.context);
      this.actionForms.append(this.redeem.element);
    }
  }

  private assignee(ticket: TicketSummary): HTMLElement {
    return h('span', { class: 'muted' }, ` · ${ticket.assigneeId ? `assigned to ${this.agentName(ticket.assigneeId) ?? ticket.assigneeId}` : 'unassigned'}`);
  }

  /** After the agent's command: read again at its position (a failure is retried, and the page says it is behind). */
  private afterCommand(position: number, ticketId?: string): Promise<void> {
    if (ticketId !== undefined) this.commandTicket = ticketId;
    return this.catchUp.request(position, true);
  }
}
