// One ticket as a conversation: the thread (the customer's messages and agents' replies, internal
// notes kept apart and marked as such, the ticket's steps), status, priority, assignee, SLA due times
// counting down, and the actions: assign, reply, internal note, resolve, reopen, close, change
// priority. The forms are built once; live changes redraw the thread and the facts only, keeping the
// agent's focus and whatever they are typing.
import type { ChronicleApi } from './api-client';
import { ApiError } from './api-problem';
import { CommandForm } from './command-form';
import { dueBadge, slaBadge } from './customer-sections';
import { countdown, dateTime, relativeTime, sentence } from './display-format';
import { announce, h, redrawKeepingFocus, replaceChildren, uniqueId } from './element';
import { CatchUp } from './catch-up';
import { followStream } from './live-updates';
import { LiveStatus } from './live-status';
import { run } from './quick-actions';
import { TICKET_PRIORITIES, type Agent, type TicketView } from './read-models';
import type { Identity } from './session';
import { threadOf, type ThreadItem } from './ticket-thread';

interface TicketChange {
  readonly ticketId: string;
  readonly position: number;
}

const STEP_WORDS: Readonly<Record<string, string>> = {
  opened: 'opened the ticket', assigned: 'assigned it to', priorityChanged: 'changed the priority:', resolved: 'resolved it:', reopened: 'reopened it:', closed: 'closed it',
};

export class TicketPage {
  readonly element: HTMLElement;
  private readonly heading: HTMLHeadingElement;
  private readonly subtitle = h('p', { class: 'muted' });
  private readonly liveStatus = new LiveStatus();
  private readonly factsBox = h('div', { class: 'ticket-facts' });
  private readonly thread = h('ol', { class: 'thread', 'aria-label': 'Conversation, oldest first' });
  private readonly reply: CommandForm;
  private readonly note: CommandForm;
  private readonly forgottenNotice = h('p', { class: 'notice', id: 'ticket-forgotten-notice', hidden: true });
  private readonly resolve: CommandForm;
  private readonly reopen: CommandForm;
  private readonly closeButton: HTMLButtonElement;
  private readonly assignSelect: HTMLSelectElement;
  private readonly prioritySelect: HTMLSelectElement;
  private readonly controls: HTMLElement;
  private readonly live = new AbortController();
  private ticket: TicketView | undefined;
  private readonly catchUp: CatchUp;
  private readonly ticker: ReturnType<typeof setInterval>;
  private readonly path: string;

  constructor(
    private readonly api: ChronicleApi,
    readonly ticketId: string,
    private readonly identity: Identity,
    private readonly agents: readonly Agent[],
    private readonly agentName: (id: string | null | undefined) => string | null,
  ) {
    this.path = `/tickets/${encodeURIComponent(ticketId)}`;
    this.catchUp = new CatchUp(async (position) => {
      this.draw(await this.api.get<TicketView>(this.path, { minPosition: position || undefined }));
    }, (behind) => this.liveStatus.setBehind(behind));
    this.heading = h('h1', { tabindex: -1, id: 'ticket-title' }, `Ticket ${ticketId}`);
    const ctx = { committed: (position: number) => this.refresh(position) };
    this.reply = new CommandForm({
      key: 'reply', title: 'Reply to the customer', submitLabel: 'Send reply', className: 'composer reply-form',
      fields: [{ name: 'body', label: 'Reply (the customer sees this)', kind: 'textarea', required: true, rows: 5 }],
      submit: (v, idempotencyKey) => run(ctx, () => this.api.post(`${this.path}/replies`, { author: 'agent', authorId: this.identity.id, body: v.body }, { idempotencyKey }), 'Reply sent'),
    });
    this.note = new CommandForm({
      key: 'note', title: 'Internal note', submitLabel: 'Add internal note', className: 'composer note-form',
      fields: [{ name: 'body', label: 'Note for agents (never sent to the customer)', kind: 'textarea', required: true, rows: 3 }],
      submit: (v, idempotencyKey) => run(ctx, () => this.api.post(`${this.path}/notes`, { body: v.body }, { idempotencyKey }), 'Internal note added'),
    });
    this.resolve = new CommandForm({
      key: 'resolve', title: 'Resolve', submitLabel: 'Resolve ticket',
      fields: [{ name: 'resolution', label: 'Resolution', kind: 'textarea', required: true, rows: 2 }],
      submit: (v, idempotencyKey) => run(ctx, () => this.api.post(`${this.path}/resolve`, { resolution: v.resolution }, { idempotencyKey }), 'Ticket resolved'),
    });
    this.reopen = new CommandForm({
      key: 'reopen', title: 'Reopen', submitLabel: 'Reopen ticket',
      fields: [{ name: 'reason', label: 'Why', kind: 'textarea', rows: 2 }],
      submit: (v, idempotencyKey) => run(ctx, () => this.api.post(`${this.path}/reopen`, v.reason ? { reason: v.reason } : {}, { idempotencyKey }), 'Ticket reopened'),
    });
    this.closeButton = h('button', { type: 'button', class: 'secondary', 'data-focus-key': 'close', onclick: () => void this.close() }, 'Close ticket');
    const assignId = uniqueId('assign');
    // No agent chosen until the agent chooses one: the first of the list stood there for an
    // unassigned ticket, and Assign gave the ticket to whoever came first alphabetically.
    this.assignSelect = h('select', { id: assignId, 'data-focus-key': 'assignee' },
      h('option', { value: '' }, 'Choose an agent…'),
      ...agents.map((agent) => h('option', { value: agent.id }, agent.id === identity.id ? `${agent.name} (me)` : agent.name)));
    const priorityId = uniqueId('priority');
    this.prioritySelect = h('select', { id: priorityId, 'data-focus-key': 'priority' }, ...TICKET_PRIORITIES.map((p) => h('option', { value: p }, sentence(p))));
    this.controls = h('div', { class: 'ticket-controls' },
      h('div', { class: 'control-row' },
        h('label', { for: assignId }, 'Assignee'), this.assignSelect,
        h('button', { type: 'button', class: 'secondary', onclick: () => void this.assign(this.assignSelect.value) }, 'Assign'),
        h('button', { type: 'button', class: 'secondary', 'data-focus-key': 'assign-me', onclick: () => void this.assign(this.identity.id) }, 'Assign to me')),
      h('div', { class: 'control-row' },
        h('label', { for: priorityId }, 'Priority'), this.prioritySelect,
        h('button', { type: 'button', class: 'secondary', onclick: () => void this.changePriority(this.prioritySelect.value) }, 'Change priority')),
    );
    this.element = h('main', { class: 'ticket-page', 'aria-labelledby': 'ticket-title', 'aria-busy': 'true' },
      h('header', { class: 'page-header' }, this.heading, this.subtitle, this.forgottenNotice, this.liveStatus.element),
      h('div', { class: 'ticket-grid' },
        h('div', { class: 'main-column' },
          h('section', { class: 'panel', id: 'conversation', 'aria-labelledby': 'conversation-title' }, h('h2', { id: 'conversation-title' }, 'Conversation'), this.thread),
          h('section', { class: 'panel', id: 'compose', 'aria-labelledby': 'compose-title' }, h('h2', { id: 'compose-title' }, 'Answer'), h('div', { class: 'composers' }, this.reply.element, this.note.element))),
        h('div', { class: 'side' },
          h('section', { class: 'panel', id: 'ticket-state', 'aria-labelledby': 'ticket-state-title' }, h('h2', { id: 'ticket-state-title' }, 'Status'), this.factsBox, this.controls),
          h('section', { class: 'panel', id: 'ticket-actions', 'aria-labelledby': 'ticket-actions-title' }, h('h2', { id: 'ticket-actions-title' }, 'Resolve, reopen or close'),
            this.resolve.element, this.reopen.element, h('div', { class: 'form-actions' }, this.closeButton))),
      ),
    );
    this.ticker = setInterval(() => this.tick(), 30_000);
  }

  async open(): Promise<boolean> {
    try {
      const ticket = await this.api.get<TicketView>(this.path);
      this.draw(ticket);
      this.element.removeAttribute('aria-busy');
      followStream<TicketChange>(this.api, '/live/tickets', { events: ['changed'], lastEventId: String(ticket.lastPosition) }, {
        message: (change) => { if (change.ticketId === this.ticketId) void this.refresh(change.position); },
        state: (state, reason) => this.liveStatus.show(state, reason),
        resumed: () => void this.catchUp.request(this.catchUp.wantedPosition, true),
      }, this.live.signal);
      return true;
    } catch (error) {
      this.element.removeAttribute('aria-busy');
      if (error instanceof ApiError && error.status === 401) return false;
      const message = error instanceof ApiError && error.status === 404 ? `No ticket with id “${this.ticketId}”.` : error instanceof Error ? error.message : 'The ticket could not be loaded.';
      replaceChildren(this.element, h('h1', { tabindex: -1, id: 'ticket-title' }, 'Ticket not shown'), h('p', { role: 'alert' }, message));
      return true;
    }
  }

  dispose(): void {
    this.live.abort();
    this.catchUp.dispose();
    clearInterval(this.ticker);
  }

  focusHeading(): void {
    (this.element.querySelector<HTMLElement>('h1') ?? this.heading).focus();
  }

  focusReply(): void {
    this.reply.focus();
  }

  focusNote(): void {
    this.note.focus();
  }

  /** Reads the ticket again, at least at `position`, once per burst of changes (a failure is retried). */
  private refresh(position: number): Promise<void> {
    return this.catchUp.request(position);
  }

  private draw(ticket: TicketView): void {
    this.ticket = ticket;
    this.catchUp.shownAt(ticket.lastPosition);
    document.body.dataset.ticketPosition = String(ticket.lastPosition);
    this.heading.textContent = ticket.subject ?? `Ticket ${ticket.ticketId}`;
    replaceChildren(this.subtitle,
      `Ticket ${ticket.ticketId} · `,
      h('a', { href: `#/customers/${encodeURIComponent(ticket.customerId)}` }, ticket.customerName ?? ticket.customerId),
      ` · ${ticket.channel ?? 'unknown channel'} · opened ${relativeTime(ticket.openedAt)}`);
    redrawKeepingFocus(this.factsBox, () => replaceChildren(this.factsBox, this.facts(ticket)));
    // Select what is stored, unless the agent is choosing right now.
    this.showStored(ticket);
    redrawKeepingFocus(this.thread, () => replaceChildren(this.thread, ...threadOf(ticket).map((item) => this.threadItem(item))));
    this.showActions(ticket);
  }

  /** The assignee and priority stored, unless the agent is choosing right now (after a refusal too). */
  private showStored(ticket: TicketView): void {
    if (document.activeElement !== this.assignSelect) this.assignSelect.value = ticket.assigneeId && this.agents.some((a) => a.id === ticket.assigneeId) ? ticket.assigneeId : '';
    if (document.activeElement !== this.prioritySelect && ticket.priority) this.prioritySelect.value = ticket.priority;
  }

  /** Only the actions the status allows, but never hide a form the agent is in or has typed into. */
  private showActions(ticket: TicketView): void {
    const keep = (form: HTMLElement) => form.contains(document.activeElement) || [...form.querySelectorAll('textarea')].some((t) => t.value.trim() !== '');
    // A closed ticket takes no assignment and no priority change (the API refuses both); a forgotten
    // customer's ticket takes nothing but its close (the API refuses the rest), and says why.
    const forgotten = ticket.customerForgottenAt ?? null;
    this.forgottenNotice.hidden = forgotten === null;
    this.forgottenNotice.textContent = forgotten
      ? `This customer was forgotten on ${dateTime(forgotten)} (right to erasure): the ticket's text is erased and nothing more can be recorded on it; close it when it needs no more attention.`
      : '';
    this.controls.hidden = (ticket.status === 'closed' || forgotten !== null) && !this.controls.contains(document.activeElement);
    this.closeButton.hidden = ticket.status === 'closed' && document.activeElement !== this.closeButton;
    if (forgotten !== null) {
      for (const form of [this.reply.element, this.note.element, this.resolve.element, this.reopen.element]) form.hidden = true;
      return;
    }
    this.resolve.element.hidden = ticket.status !== 'open' && !keep(this.resolve.element);
    this.reopen.element.hidden = ticket.status !== 'resolved' && !keep(this.reopen.element);
    this.reply.element.hidden = ticket.status === 'closed' && !keep(this.reply.element);
  }

  private facts(ticket: TicketView): HTMLElement {
    // A deadline counts down only while its verdict is open: the API's verdict (met, breached) is final,
    // a reopened ticket's included (it is not judged again).
    const due = (label: string, at: string | null, verdict: TicketView['firstResponseSla']) => {
      if (!at) return h('dd', {}, '—');
      if (verdict === 'met' || verdict === 'breached') return h('dd', {}, `${dateTime(at)} · ${verdict}`);
      const { text, overdue } = countdown(at);
      return h('dd', {}, `${dateTime(at)} · `, h('span', { class: `due${overdue ? ' overdue' : ''}`, 'data-due-at': at, 'aria-label': `${label} ${text}` }, text));
    };
    return h('div', {},
      h('dl', { class: 'facts' },
        h('dt', {}, 'Status'), h('dd', {}, h('span', { class: `status status-${ticket.status}` }, sentence(ticket.status))),
        h('dt', {}, 'Priority'), h('dd', {}, h('span', { class: `priority priority-${ticket.priority ?? 'none'}` }, ticket.priority ?? '—')),
        h('dt', {}, 'Assignee'), h('dd', {}, ticket.assigneeId ? (this.agentName(ticket.assigneeId) ?? ticket.assigneeId) : 'Unassigned'),
        h('dt', {}, 'First response due'), due('First response', ticket.firstResponseDueAt, ticket.firstResponseSla),
        h('dt', {}, 'Resolution due'), due('Resolution', ticket.resolutionDueAt, ticket.resolutionSla),
        ticket.resolution ? h('dt', {}, 'Resolution') : null, ticket.resolution ? h('dd', {}, ticket.resolution) : null,
      ),
      h('div', { class: 'sla-row' }, slaBadge('First response', ticket.firstResponseSla), ' ', slaBadge('Resolution', ticket.resolutionSla), ' ', dueBadge(ticket)),
    );
  }

  private threadItem(item: ThreadItem): HTMLElement {
    const time = (at: string) => h('time', { datetime: at, title: dateTime(at) }, relativeTime(at));
    switch (item.kind) {
      case 'message': {
        const { message } = item;
        const who = message.author === 'customer' ? (this.ticket?.customerName ?? 'Customer') : (message.actor.name ?? this.agentName(message.authorId) ?? 'Agent');
        return h('li', { class: `message from-${message.author}`, 'data-event-id': item.eventId },
          h('p', { class: 'message-head' }, h('strong', {}, who), message.author === 'customer' ? ' wrote ' : ' replied ', time(message.at)),
          h('p', { class: 'message-body' }, message.body));
      }
      case 'note':
        return h('li', { class: 'message internal-note', 'data-event-id': item.eventId },
          h('p', { class: 'message-head' }, h('span', { class: 'badge' }, 'Internal note'), ' ', h('strong', {}, item.note.actor.name ?? item.note.actor.id ?? 'Agent'), ' ', time(item.note.at),
            h('span', { class: 'muted' }, ' · only agents see this')),
          h('p', { class: 'message-body' }, item.note.body));
      case 'step': {
        const { step } = item;
        const detail = step.kind === 'assigned' ? (this.agentName(step.detail) ?? step.detail) : step.detail;
        return h('li', { class: 'step', 'data-event-id': item.eventId },
          h('span', {}, `${step.actor.name ?? step.actor.id ?? 'Someone'} ${STEP_WORDS[step.kind] ?? step.kind}${detail ? ` ${detail}` : ''} `), time(step.at));
      }
    }
  }

  private tick(): void {
    for (const node of this.element.querySelectorAll<HTMLElement>('[data-due-at]')) node.textContent = countdown(node.dataset.dueAt as string).text;
    for (const time of this.thread.querySelectorAll<HTMLTimeElement>('time[datetime]')) time.textContent = relativeTime(time.dateTime);
  }

  /** Runs a one-button action; focus stays on the button unless it goes away (then `focusAfter`). */
  private async act(what: () => Promise<string>, focusAfter?: HTMLElement): Promise<void> {
    try {
      announce(await what());
    } catch (error) {
      announce(error instanceof Error ? error.message : 'That did not work.', 'error');
      // A refused choice does not stay on screen as if it had been made.
      if (this.ticket) this.showStored(this.ticket);
    }
    if (focusAfter && (document.activeElement === document.body || (document.activeElement as HTMLElement | null)?.hidden)) focusAfter.focus();
  }

  private assign(agentId: string): Promise<void> {
    if (agentId === '') {
      announce('Choose an agent first.', 'error');
      this.assignSelect.focus();
      return Promise.resolve();
    }
    const ctx = { committed: (position: number) => this.refresh(position) };
    const name = this.agentName(agentId) ?? agentId;
    const who = agentId === this.identity.id ? 'you' : name;
    return this.act(() => run(ctx, () => this.api.post(`${this.path}/assign`, { agentId }), { done: `Assigned to ${who}`, unchanged: `the ticket is already assigned to ${who}.` }));
  }

  private changePriority(priority: string): Promise<void> {
    const ctx = { committed: (position: number) => this.refresh(position) };
    return this.act(() => run(ctx, () => this.api.post(`${this.path}/priority`, { priority }), { done: `Priority is now ${priority}`, unchanged: `the priority is already ${priority}.` }));
  }

  private close(): Promise<void> {
    const ctx = { committed: (position: number) => this.refresh(position) };
    return this.act(() => run(ctx, () => this.api.post(`${this.path}/close`, {}), 'Ticket closed'), this.heading);
  }
}
