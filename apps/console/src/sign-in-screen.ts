// Sign-in: the agent pastes a support API key; it is checked against the query API before use.
import { ChronicleApi } from './api-client';
import { ApiError } from './api-problem';
import { h } from './element';
import type { Session } from './session';

const AGENT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,99}$/;

/**
 * Proves the key may both read customers (support, analyst, auditor) and record interactions
 * (ingest, support): only a support (or admin) key passes both. The empty note is refused by
 * validation after the role check, so nothing is ever recorded.
 */
async function checkSupportRole(api: ChronicleApi): Promise<void> {
  await api.get('/customers', { id: '__sign-in-check__', limit: 1 });
  try {
    await api.post('/interactions/notes', {});
  } catch (error) {
    if (error instanceof ApiError && (error.status === 400 || error.status === 422)) return;
    throw error;
  }
}

export function signInScreen(onSignedIn: (session: Session) => void, notice?: string): HTMLElement {
  const keyError = h('span', { class: 'field-error', id: 'api-key-error' });
  const agentError = h('span', { class: 'field-error', id: 'agent-id-error' });
  const key = h('input', { id: 'api-key', name: 'apiKey', type: 'password', autocomplete: 'off', required: true, 'aria-describedby': 'api-key-error' });
  const agent = h('input', { id: 'agent-id', name: 'agentId', type: 'text', value: 'agent-1', autocomplete: 'username', 'aria-describedby': 'agent-id-error' });
  const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' }, notice ?? '');
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', {
    class: 'sign-in', 'aria-labelledby': 'sign-in-title', novalidate: true,
    onsubmit: (event) => {
      event.preventDefault();
      void submit();
    },
  },
    h('h1', { id: 'sign-in-title', tabindex: -1 }, 'Chronicle support console'),
    h('p', {}, 'Sign in with an API key of role support. It is kept only in this tab and forgotten when the tab closes.'),
    h('div', { class: 'field' }, h('label', { for: 'api-key' }, 'API key'), key, keyError),
    h('div', { class: 'field' }, h('label', { for: 'agent-id' }, 'Your agent id'), agent, h('span', { class: 'hint' }, 'Recorded with the calls, notes and replies you enter.'), agentError),
    h('div', { class: 'form-actions' }, button),
    status,
  );

  async function submit(): Promise<void> {
    keyError.textContent = '';
    agentError.textContent = '';
    key.removeAttribute('aria-invalid');
    agent.removeAttribute('aria-invalid');
    status.textContent = '';
    const apiKey = key.value.trim();
    const agentId = agent.value.trim() || 'console';
    if (!apiKey) return invalid(key, keyError, 'Paste your API key.');
    if (!AGENT_ID.test(agentId)) return invalid(agent, agentError, 'Use letters, digits and . _ : @ - only.');
    button.disabled = true;
    status.textContent = 'Checking the key…';
    try {
      await checkSupportRole(new ChronicleApi(apiKey));
      onSignedIn({ apiKey, agentId });
    } catch (error) {
      status.textContent = '';
      if (error instanceof ApiError && error.status === 403) invalid(key, keyError, 'This key works but its role may not read customers. Use a support key.');
      else if (error instanceof ApiError && error.status === 401) invalid(key, keyError, 'This key is unknown or has expired.');
      else status.textContent = error instanceof Error ? error.message : 'Sign-in failed.';
    } finally {
      button.disabled = false;
    }
  }

  function invalid(control: HTMLInputElement, slot: HTMLElement, message: string): void {
    slot.textContent = message;
    control.setAttribute('aria-invalid', 'true');
    control.focus();
  }

  return h('main', { class: 'sign-in-page' }, form);
}
