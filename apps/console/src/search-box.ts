// Customer search as the agent types, over the page rather than pushing it down: whatever the agent
// typed (a name, an email or its start, a phone as dialled, the shop's id, a customer id) goes to the
// API's `q` search, which tries every kind. Enter opens the top hit, arrows move through the hits,
// Escape or a click elsewhere closes them.
import type { ChronicleApi } from './api-client';
import { counted } from './display-format';
import { h, replaceChildren } from './element';
import type { SearchHit } from './read-models';

const DEBOUNCE_MS = 150;
/** Hits shown; one more is asked for, to know whether there are more than that. */
export const SHOWN_HITS = 20;

/** The status line for `found` hits when up to `shown` are shown (`found` may be shown + 1: "more"). */
export function describeHits(found: number, shown: number, text: string): string {
  if (found === 0) return `No customer matches “${text}”.`;
  if (found > shown) return `More than ${shown} customers match: the first ${shown} are shown, keep typing to narrow them down.`;
  return `${counted(found, 'customer')} found.`;
}

export function searchBox(api: ChronicleApi, open: (customerId: string) => void): HTMLElement {
  const input = h('input', {
    // A combobox (not a plain searchbox): the role that may say whether its list of hits is open.
    id: 'customer-search', type: 'search', role: 'combobox', 'aria-autocomplete': 'list', autocomplete: 'off', spellcheck: false, enterkeyhint: 'go',
    placeholder: 'Name, email, phone, shop id or customer id', 'aria-controls': 'search-results', 'aria-describedby': 'search-status', 'aria-expanded': 'false',
  });
  const status = h('p', { id: 'search-status', class: 'search-status', role: 'status', 'aria-live': 'polite' });
  const results = h('ul', { id: 'search-results', class: 'search-results', 'aria-label': 'Matching customers' });
  const popup = h('div', { class: 'search-popup', hidden: true }, status, results);
  const container = h('div', { class: 'customer-search', role: 'search' }, h('label', { for: 'customer-search' }, 'Find a customer'), h('div', { class: 'search-field' }, input, popup));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: AbortController | undefined;
  let hitsFor = '';
  let hits: SearchHit[] = [];

  const setOpen = (open: boolean) => {
    popup.hidden = !open;
    input.setAttribute('aria-expanded', String(open));
  };
  const close = () => setOpen(false);
  const choose = (customerId: string) => {
    close();
    input.value = '';
    replaceChildren(results);
    status.textContent = '';
    hits = [];
    hitsFor = '';
    open(customerId);
  };

  const run = async (text: string) => {
    inFlight?.abort();
    if (text.length === 0) {
      replaceChildren(results);
      status.textContent = '';
      hits = [];
      hitsFor = '';
      close();
      return;
    }
    const controller = new AbortController();
    inFlight = controller;
    status.textContent = 'Searching…';
    setOpen(true);
    try {
      const answer = await api.get<{ items: SearchHit[] }>('/customers', { q: text, limit: SHOWN_HITS + 1 }, controller.signal);
      if (controller.signal.aborted) return;
      hits = answer.items.slice(0, SHOWN_HITS);
      hitsFor = text;
      replaceChildren(results, ...hits.map((hit) => h('li', {},
        h('a', { href: `#/customers/${encodeURIComponent(hit.customerId)}`, class: 'search-hit', onclick: (event) => { event.preventDefault(); choose(hit.customerId); } },
          // Names are optional: a customer without one is shown by the first thing that identifies it.
          h('strong', {}, hit.displayName || hit.email || hit.phone || hit.customerId), ' ',
          h('span', { class: 'muted' }, [hit.email, hit.phone, hit.externalId, hit.customerId].filter(Boolean).join(' · '))),
      )));
      status.textContent = describeHits(answer.items.length, SHOWN_HITS, text);
    } catch (error) {
      if (controller.signal.aborted) return;
      replaceChildren(results);
      hits = [];
      status.textContent = error instanceof Error ? error.message : 'Search failed.';
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    const text = input.value.trim();
    timer = setTimeout(() => void run(text), DEBOUNCE_MS);
  };

  input.addEventListener('input', schedule);
  input.addEventListener('focus', () => { if (input.value.trim() !== '' && results.childElementCount > 0) setOpen(true); });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown') {
      setOpen(true);
      results.querySelector<HTMLAnchorElement>('a')?.focus();
      event.preventDefault();
    } else if (event.key === 'Enter') {
      // The top hit of what is typed now: wait for a search still on its way rather than open an older hit.
      event.preventDefault();
      const text = input.value.trim();
      if (text === '') return;
      clearTimeout(timer);
      const ready = hitsFor === text ? Promise.resolve() : run(text);
      void ready.then(() => { if (hitsFor === text && hits[0]) choose(hits[0].customerId); });
    } else if (event.key === 'Escape') {
      if (!popup.hidden) close();
      else {
        input.value = '';
        void run('');
      }
    }
  });
  results.addEventListener('keydown', (event) => {
    const links = [...results.querySelectorAll<HTMLAnchorElement>('a')];
    const index = links.indexOf(document.activeElement as HTMLAnchorElement);
    if (event.key === 'ArrowDown' && index < links.length - 1) links[index + 1].focus();
    else if (event.key === 'ArrowUp') (index > 0 ? links[index - 1] : input).focus();
    else if (event.key === 'Escape') {
      close();
      input.focus();
    } else return;
    event.preventDefault();
  });
  // A click or tap anywhere else closes the results; so does focus leaving the search.
  document.addEventListener('pointerdown', (event) => { if (!container.contains(event.target as Node)) close(); });
  container.addEventListener('focusout', (event) => { if (event.relatedTarget instanceof Node && !container.contains(event.relatedTarget)) close(); });
  return container;
}
