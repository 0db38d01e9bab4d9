// Sign-in, once per browser session: the agent pastes their own support key, which is exchanged for
// a session cookie the page cannot read (every tab of this browser is then signed in) and is kept
// nowhere. The server names the agent from the key, so there is nothing else to type.
import { ApiError } from './api-problem';
import { h } from './element';
import { signIn, type Identity } from './session';

export function signInScreen(onSignedIn: (identity: Identity) => void, notice?: string): HTMLElement {
  const keyError = h('span', { class: 'field-error', id: 'api-key-error' });
  const key = h('input', { id: 'api-key', name: 'apiKey', type: 'password', autocomplete: 'off', spellcheck: false, required: true, 'aria-describedby': 'api-key-hint api-key-error' });
  const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' }, notice ?? '');
  const button = h('button', { type: 'submit' }, 'Sign in');
  let busy = false;
  const form = h('form', {
    class: 'sign-in', 'aria-labelledby': 'sign-in-title', novalidate: true,
    onsubmit: (event) => {
      event.preventDefault();
      void submit();
    },
  },
    h('h1', { id: 'sign-in-title', tabindex: -1 }, 'Chronicle support console'),
    h('p', {}, 'Sign in with your own support key. It is exchanged for a session of this browser: every tab stays signed in until you sign out, close the browser, or leave it idle for a while. The key itself is not kept.'),
    h('div', { class: 'field' },
      h('label', { for: 'api-key' }, 'Your support key'), key,
      h('span', { class: 'hint', id: 'api-key-hint' }, 'An administrator creates it for you: chronicle keys create --role support --label "Your Name".'),
      keyError),
    h('div', { class: 'form-actions' }, button),
    status,
  );

  async function submit(): Promise<void> {
    if (busy) return;
    keyError.textContent = '';
    key.removeAttribute('aria-invalid');
    status.textContent = '';
    const apiKey = key.value.trim();
    if (!apiKey) return invalid('Paste your support key.');
    busy = true;
    button.setAttribute('aria-disabled', 'true');
    status.textContent = 'Signing in…';
    try {
      const identity = await signIn(apiKey);
      key.value = '';
      onSignedIn(identity);
    } catch (error) {
      status.textContent = '';
      if (error instanceof ApiError && error.status === 403) invalid('This key works, but its role cannot work tickets. Use your support key.');
      else if (error instanceof ApiError && error.status === 401) invalid('This key is unknown or has been revoked.');
      else status.textContent = error instanceof Error ? error.message : 'Sign-in failed.';
    } finally {
      busy = false;
      button.removeAttribute('aria-disabled');
    }
  }

  function invalid(message: string): void {
    keyError.textContent = message;
    key.setAttribute('aria-invalid', 'true');
    key.focus();
  }

  return h('main', { class: 'sign-in-page' }, form);
}
