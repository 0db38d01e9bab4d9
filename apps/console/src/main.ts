// The support console's entry point: sign-in, then a search bar and one page per customer,
// routed by the URL's hash (#/customers/<id>) so the back button works and no key is in a URL.
import './console.css';
import { ChronicleApi } from './api-client';
import { CustomerPage } from './customer-page';
import { h, replaceChildren } from './element';
import { searchBox } from './search-box';
import { clearSession, loadSession, saveSession, type Session } from './session';
import { signInScreen } from './sign-in-screen';

const root = document.getElementById('app') as HTMLElement;
let page: CustomerPage | undefined;

function customerIdFromHash(): string | undefined {
  const match = /^#\/customers\/(.+)$/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : undefined;
}

function signOut(notice?: string): void {
  page?.dispose();
  page = undefined;
  clearSession();
  showSignIn(notice);
}

function showSignIn(notice?: string): void {
  replaceChildren(root, signInScreen((session) => {
    saveSession(session);
    showConsole(session);
  }, notice));
  root.querySelector<HTMLInputElement>('#api-key')?.focus();
}

function showConsole(session: Session): void {
  const api = new ChronicleApi(session.apiKey);
  const content = h('div', { class: 'content' });
  const open = (customerId: string) => {
    if (customerIdFromHash() === customerId) void route();
    else location.hash = `#/customers/${encodeURIComponent(customerId)}`;
  };
  replaceChildren(root,
    h('a', { class: 'skip-link', href: '#content' }, 'Skip to content'),
    h('header', { class: 'top-bar' },
      h('a', { class: 'brand', href: '#/' }, 'Chronicle support'),
      searchBox(api, open),
      h('span', { class: 'agent muted' }, `Signed in as ${session.agentId}`),
      h('button', { type: 'button', class: 'secondary', onclick: () => signOut('You are signed out.') }, 'Sign out'),
    ),
    content,
  );
  content.id = 'content';

  const route = async () => {
    page?.dispose();
    page = undefined;
    const customerId = customerIdFromHash();
    if (!customerId) {
      replaceChildren(content, h('main', { class: 'home' }, h('h1', { tabindex: -1 }, 'Find a customer'), h('p', {}, 'Type a name, an email, a phone number or a customer id in the search box above; results appear as you type. Use the arrow keys to move through them.')));
      root.querySelector<HTMLInputElement>('#customer-search')?.focus();
      return;
    }
    // Performance marks around "the 360 page is interactive", read by the browser tests.
    performance.clearMarks('chronicle:360:start');
    performance.clearMarks('chronicle:360:interactive');
    performance.clearMeasures('chronicle:360');
    performance.mark('chronicle:360:start');
    delete document.body.dataset.customerReady;
    const current = new CustomerPage(api, customerId, session.agentId, (message) => signOut(message));
    page = current;
    replaceChildren(content, current.element);
    await current.open();
    if (page !== current) return;
    performance.mark('chronicle:360:interactive');
    performance.measure('chronicle:360', 'chronicle:360:start', 'chronicle:360:interactive');
    document.body.dataset.customerReady = customerId;
    current.focusHeading();
  };
  window.onhashchange = () => void route();
  void route();
}

const session = loadSession();
if (session) showConsole(session);
else showSignIn();
