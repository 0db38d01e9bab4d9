// Customer search with results as the agent types: email, phone, name prefix or customer id.
import type { ChronicleApi } from './api-client';
import { h, replaceChildren } from './element';
import type { SearchHit } from './read-models';

const DEBOUNCE_MS = 150;

type Criterion = 'email' | 'phone' | 'name' | 'id';

/** Which searches a typed text deserves: an email or a phone is unambiguous; anything else may be a name or an id. */
export function criteriaFor(text: string): Criterion[] {
  if (text.includes('@')) return ['email'];
  if (/^\+?[\d\s()-]{2,}$/.test(text)) return ['phone'];
  return ['name', 'id'];
}

export function searchBox(api: ChronicleApi, open: (customerId: string) => void): HTMLElement {
  const input = h('input', {
    id: 'customer-search', type: 'search', autocomplete: 'off', spellcheck: false,
    placeholder: 'Name, email, phone or customer id', 'aria-controls': 'search-results', 'aria-describedby': 'search-status',
  });
  const status = h('p', { id: 'search-status', class: 'search-status', role: 'status', 'aria-live': 'polite' });
  const results = h('ul', { id: 'search-results', class: 'search-results', 'aria-label': 'Matching customers' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: AbortController | undefined;

  const run = async (text: string) => {
    inFlight?.abort();
    if (text.length === 0) {
      replaceChildren(results);
      status.textContent = '';
      return;
    }
    const controller = new AbortController();
    inFlight = controller;
    status.textContent = 'Searching…';
    try {
      const answers = await Promise.all(criteriaFor(text).map((by) => api.get<{ items: SearchHit[] }>('/customers', { [by]: by === 'phone' ? text.replace(/[\s()-]/g, '') : text, limit: 10 }, controller.signal)));
      if (controller.signal.aborted) return;
      const seen = new Set<string>();
      const hits = answers.flatMap((answer) => answer.items).filter((hit) => !seen.has(hit.customerId) && seen.add(hit.customerId));
      replaceChildren(results, ...hits.map((hit) => h('li', {},
        h('a', { href: `#/customers/${encodeURIComponent(hit.customerId)}`, class: 'search-hit', onclick: (event) => { event.preventDefault(); results.replaceChildren(); status.textContent = ''; open(hit.customerId); } },
          // Names are optional: a customer without one is shown by the first thing that identifies it.
          h('strong', {}, hit.displayName || hit.email || hit.phone || hit.customerId), ' ', h('span', { class: 'muted' }, [hit.email, hit.phone, hit.customerId].filter(Boolean).join(' · '))),
      )));
      status.textContent = hits.length === 0 ? `No customer matches “${text}”.` : `${hits.length} customer${hits.length === 1 ? '' : 's'} found.`;
    } catch (error) {
      if (controller.signal.aborted) return;
      replaceChildren(results);
      status.textContent = error instanceof Error ? error.message : 'Search failed.';
    }
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void run(input.value.trim()), DEBOUNCE_MS);
  });
  // Keyboard: arrow down from the box into the results, up/down between them, Escape back.
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown') {
      results.querySelector<HTMLAnchorElement>('a')?.focus();
      event.preventDefault();
    }
    if (event.key === 'Escape') {
      input.value = '';
      void run('');
    }
  });
  results.addEventListener('keydown', (event) => {
    const links = [...results.querySelectorAll<HTMLAnchorElement>('a')];
    const index = links.indexOf(document.activeElement as HTMLAnchorElement);
    if (event.key === 'ArrowDown' && index < links.length - 1) links[index + 1].focus();
    else if (event.key === 'ArrowUp') (index > 0 ? links[index - 1] : input).focus();
    else if (event.key === 'Escape') input.focus();
    else return;
    event.preventDefault();
  });

  return h('div', { class: 'customer-search', role: 'search' },
    h('label', { for: 'customer-search' }, 'Find a customer'),
    input, status, results,
  );
}
