// The support console's entry point: sign-in once per browser session, then the work queue (home),
// a page per ticket and per customer, routed by the URL's hash (#/tickets/<id>, #/customers/<id>) so
// Back works. Every route checks the session first: after sign-out, Back shows the sign-in screen,
// never a page drawn before.
import './console.css';
import { ChronicleApi, followAgentInput } from './api-client';
import { CustomerPage } from './customer-page';
import { announce, h, replaceChildren } from './element';
import { loadQueueOrder, nextTicketAfter, QueuePage } from './queue-page';
import type { Agent } from './read-models';
import { searchBox } from './search-box';
import { currentIdentity, onOtherTab, signOut, tellOtherTabs, type Identity } from './session';
import { helpDialog, listenForShortcuts, type Shortcut } from './shortcuts';
import { signInScreen } from './sign-in-screen';
import { TicketPage } from './ticket-page';
import { collectDrafts, markTyping, restoreDrafts, type UnsentDrafts } from './unsent-drafts';

type Page = CustomerPage | TicketPage | QueuePage;

const root = document.getElementById('app') as HTMLElement;
let identity: Identity | null = null;
let agents: readonly Agent[] = [];
let page: Page | undefined;
let content: HTMLElement | undefined;
let routing = 0;
/** What the agent had typed when their session ended under them: back once they sign in again here. */
let drafts: UnsentDrafts | undefined;

const api = new ChronicleApi({
  csrfToken: () => identity?.session?.csrfToken,
  // Expired, revoked or signed out elsewhere, found by a request: what the agent typed is kept.
  ended: (message) => { if (identity) endSession(message, true); },
});

const agentName = (id: string | null | undefined): string | null => (id ? (agents.find((agent) => agent.id === id)?.name ?? null) : null);

function route(): { kind: 'queue' } | { kind: 'customer' | 'ticket'; id: string } {
  const match = /^#\/(customers|tickets)\/(.+)$/.exec(location.hash);
  if (!match) return { kind: 'queue' };
  return { kind: match[1] === 'customers' ? 'customer' : 'ticket', id: decodeURIComponent(match[2]) };
}

function go(hash: string): void {
  if (location.hash === hash) void show();
  else location.hash = hash;
}

function forget(): void {
  drafts = undefined;
  page?.dispose();
  page = undefined;
  content = undefined;
  identity = null;
  agents = [];
}

/**
 * The session is over (signed out here or elsewhere, expired, key revoked): nothing stays on screen.
 * When it ended under the agent (`keepDrafts`), what they typed is kept in memory for their next sign-in.
 */
function endSession(notice: string, keepDrafts = false): void {
  const kept = keepDrafts && identity && page ? collectDrafts(page.element, identity.id, location.hash) : undefined;
  forget();
  drafts = kept;
  showSignIn(kept ? `${notice} What you had typed here comes back when you sign in again.` : notice);
}

function showSignIn(notice?: string): void {
  document.title = 'Sign in · Chronicle support console';
  delete document.body.dataset.signedIn;
  replaceChildren(root, signInScreen((signedIn) => {
    identity = signedIn;
    tellOtherTabs('signed-in');
    void showConsole();
  }, notice));
  root.querySelector<HTMLInputElement>('#api-key')?.focus();
}

const shortcuts: Shortcut[] = [
  { key: '/', label: '/', does: 'Find a customer', run: () => focusSearch() },
  { key: 'r', label: 'r', does: 'Reply to the customer (on a ticket)', run: () => (page instanceof TicketPage ? (page.focusReply(), true) : false) },
  { key: 'n', label: 'n', does: 'Write a note: internal on a ticket, on the customer on a customer page', run: () => (page instanceof TicketPage || page instanceof CustomerPage ? (page.focusNote(), true) : false) },
  { key: 'j', label: 'j', does: 'Next ticket of the work queue', run: () => (void nextTicket(), true) },
  { key: 'q', label: 'q', does: 'Go to the work queue', run: () => (go('#/'), true) },
  { key: '?', label: '?', does: 'Show these shortcuts', run: () => (openHelp(), true) },
];

function focusSearch(): boolean {
  const search = root.querySelector<HTMLInputElement>('#customer-search');
  search?.focus();
  search?.select();
  return search !== null;
}

function openHelp(): void {
  const dialog = document.getElementById('shortcuts-help') as HTMLDialogElement | null;
  if (dialog && !dialog.open) dialog.showModal();
}

async function nextTicket(): Promise<void> {
  const current = route();
  const currentId = current.kind === 'ticket' ? current.id : undefined;
  let next = nextTicketAfter(currentId);
  if (next === undefined || next === currentId) {
    await loadQueueOrder(api).catch(() => undefined);
    next = nextTicketAfter(currentId);
  }
  if (next !== undefined) go(`#/tickets/${encodeURIComponent(next)}`);
}

async function showConsole(): Promise<void> {
  if (!identity) return showSignIn();
  // Drafts are the agent's own: another agent signing in in this tab never sees them.
  if (drafts && drafts.agentId !== identity.id) drafts = undefined;
  agents = (await api.getIfAvailable<{ items: Agent[] }>('/agents'))?.items ?? [];
  if (!identity) return;
  document.body.dataset.signedIn = identity.id;
  content = h('div', { class: 'content', id: 'content' });
  const dialog = helpDialog(shortcuts);
  replaceChildren(root,
    h('a', { class: 'skip-link', href: '#content', onclick: (event) => { event.preventDefault(); content?.querySelector<HTMLElement>('h1')?.focus(); } }, 'Skip to content'),
    h('header', { class: 'top-bar' },
      h('a', { class: 'brand', href: '#/' }, 'Chronicle support'),
      searchBox(api, (customerId) => go(`#/customers/${encodeURIComponent(customerId)}`)),
      h('div', { class: 'agent-bar' },
        h('span', { class: 'agent' }, 'Signed in as ', h('strong', {}, identity.name)),
        h('button', { type: 'button', class: 'secondary', 'aria-haspopup': 'dialog', onclick: openHelp }, 'Shortcuts'),
        h('button', { type: 'button', class: 'secondary', onclick: () => void signOutHere() }, 'Sign out')),
    ),
    content,
    dialog,
  );
  await show();
}

async function signOutHere(): Promise<void> {
  const was = identity;
  forget();
  await signOut(was);
  tellOtherTabs('signed-out');
  showSignIn('You are signed out.');
}

/** Draws the page the hash names; a page not signed in is the sign-in screen. */
async function show(): Promise<void> {
  const run = ++routing;
  if (!identity || !content) {
    // Back (or a link) after the session ended: check it again rather than draw anything old.
    const found = await currentIdentity().catch(() => null);
    if (run !== routing) return;
    if (!found) return showSignIn();
    identity = found;
    return showConsole();
  }
  page?.dispose();
  const target = route();
  delete document.body.dataset.pageReady;
  if (target.kind === 'customer') {
    // Performance marks around "the 360 page is interactive", read by the browser tests.
    performance.clearMarks('chronicle:360:start');
    performance.clearMarks('chronicle:360:interactive');
    performance.clearMeasures('chronicle:360');
    performance.mark('chronicle:360:start');
    delete document.body.dataset.customerReady;
  }
  const next: Page = target.kind === 'customer' ? new CustomerPage(api, target.id, identity, agentName)
    : target.kind === 'ticket' ? new TicketPage(api, target.id, identity, agents, agentName)
      : new QueuePage(api, agentName);
  page = next;
  document.title = target.kind === 'queue' ? 'Work queue · Chronicle' : `${target.kind === 'customer' ? 'Customer' : 'Ticket'} ${target.id} · Chronicle`;
  replaceChildren(content, next.element);
  const opened = await next.open();
  if (page !== next) return;
  if (!opened) return;
  if (target.kind === 'customer') {
    performance.mark('chronicle:360:interactive');
    performance.measure('chronicle:360', 'chronicle:360:start', 'chronicle:360:interactive');
    document.body.dataset.customerReady = target.id;
  }
  if (target.kind === 'customer') document.title = `${next.element.querySelector('h1')?.textContent ?? target.id} · Chronicle`;
  if (target.kind === 'ticket') document.title = `${next.element.querySelector('h1')?.textContent ?? target.id} · Ticket · Chronicle`;
  if (drafts && drafts.hash === location.hash) {
    if (restoreDrafts(next.element, drafts) > 0) announce('What you had typed before the session ended is back in its fields.', 'info');
    drafts = undefined;
  }
  document.body.dataset.pageReady = `${target.kind}${target.kind === 'queue' ? '' : `:${target.id}`}`;
  next.focusHeading();
}

window.addEventListener('hashchange', () => void show());
// A page restored from the back-forward cache may be from before a sign-out: ask again.
window.addEventListener('pageshow', (event) => { if (event.persisted) { forget(); void show(); } });
onOtherTab((message) => {
  if (message === 'signed-out' && identity) endSession('You signed out in another tab.');
  if (message === 'signed-in' && !identity) void show();
});
listenForShortcuts(shortcuts);
markTyping(root);
// The agent at work renews their session even while the page sends nothing (a long reply being typed).
followAgentInput(document, () => { if (identity) void api.get('/me').catch(() => undefined); });
void show();
