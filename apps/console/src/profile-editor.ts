// Editing what the API already takes about a customer: the profile (a field emptied is cleared), a
// new contact point, and consents given or withdrawn, with their history from the timeline. The
// forms are built once per page; live updates refill them only while the agent has not started
// editing, so nothing typed is overwritten.
import type { ChronicleApi } from './api-client';
import { CommandForm, type FormValues } from './command-form';
import { dateTime, dialledPhone, sentence } from './display-format';
import { h, replaceChildren } from './element';
import type { ActionContext } from './quick-actions';
import { run } from './quick-actions';
import type { Customer360, TimelineEntry, TimelinePage } from './read-models';

const PROFILE_FIELDS = [
  ['firstName', 'First name', 'given-name'], ['lastName', 'Last name', 'family-name'], ['email', 'Email', 'off'], ['phone', 'Phone', 'off'],
  ['city', 'City', 'off'], ['country', 'Country (two letters)', 'off'], ['language', 'Language (e.g. en-GB)', 'off'], ['birthDate', 'Born', 'off'],
] as const;

export const CONSENT_PURPOSES = ['marketing_email', 'marketing_sms', 'marketing_phone', 'profiling', 'third_party_sharing'] as const;

type ProfileField = (typeof PROFILE_FIELDS)[number][0];

function profileValues(view: Customer360): Record<ProfileField, string> {
  const p = view.profile;
  return {
    firstName: p.firstName ?? '', lastName: p.lastName ?? '', email: p.email ?? '', phone: p.phone ?? '',
    city: p.city ?? '', country: p.country ?? '', language: p.language ?? '', birthDate: p.birthDate ?? '',
  };
}

/** Only what changed; an emptied field is cleared (null), as the API's merge patch reads it. */
export function profileChanges(before: Readonly<Record<string, string>>, after: FormValues): Record<string, string | null> {
  const changes: Record<string, string | null> = {};
  for (const [field] of PROFILE_FIELDS) {
    const was = before[field] ?? '';
    // A phone as dialled (+44 20 7123 4567) is sent in the E.164 form the API takes.
    const now = field === 'phone' ? dialledPhone(after[field] ?? '') : (after[field] ?? '');
    if (now !== was) changes[field] = now === '' ? null : now;
  }
  return changes;
}

export class ProfileEditor {
  readonly profileForm: CommandForm;
  readonly contactForm: CommandForm;
  readonly consentForm: CommandForm;
  readonly consentHistory: HTMLElement;
  private stored: Record<ProfileField, string> | undefined;
  private dirty = false;

  constructor(private readonly ctx: ActionContext, private readonly api: ChronicleApi) {
    const path = `/customers/${encodeURIComponent(ctx.customerId)}`;
    this.profileForm = new CommandForm({
      key: 'profile',
      title: 'Edit the profile',
      submitLabel: 'Save profile',
      keepValues: true,
      // The API names the fields of the patch `changes.phone`: marked on the profile form's own.
      fieldAlias: Object.fromEntries(PROFILE_FIELDS.map(([name]) => [`changes.${name}`, name])),
      fields: PROFILE_FIELDS.map(([name, label, autocomplete]) => ({
        name, label, autocomplete, ...(name === 'birthDate' ? { kind: 'date' as const } : name === 'email' ? { kind: 'email' as const } : name === 'phone' ? { kind: 'tel' as const, hint: 'International form, e.g. +442071234567' } : {}),
      })),
      submit: async (values, idempotencyKey) => {
        const changes = profileChanges(this.stored ?? {}, values);
        if (Object.keys(changes).length === 0) return 'Nothing changed.';
        const message = await run(ctx, () => this.api.patch(path, { changes }, { idempotencyKey }), { done: 'Profile saved', unchanged: 'the profile already holds these values.' });
        this.dirty = false;
        return message;
      },
    });
    this.profileForm.element.addEventListener('input', () => { this.dirty = true; });
    this.contactForm = new CommandForm({
      key: 'contact-point',
      title: 'Add a contact point',
      submitLabel: 'Add contact point',
      fields: [
        { name: 'kind', label: 'Kind', kind: 'select', options: ['email', 'phone', 'address'], value: 'email' },
        { name: 'value', label: 'Email, phone (+44…) or address', required: true },
        { name: 'label', label: 'Label (e.g. work)' },
      ],
      submit: (v, idempotencyKey) => run(ctx, () => this.api.post(`${path}/contact-points`, { kind: v.kind, value: v.kind === 'phone' ? dialledPhone(v.value) : v.value, ...(v.label ? { label: v.label } : {}) }, { idempotencyKey }),
        { done: 'Contact point added', unchanged: `this ${v.kind} is already one of the customer's contact points.` }),
    });
    this.consentForm = new CommandForm({
      key: 'consent',
      title: 'Record a consent',
      submitLabel: 'Record consent',
      fields: [
        { name: 'purpose', label: 'Purpose', kind: 'select', options: CONSENT_PURPOSES.map((p) => ({ value: p, label: sentence(p) })), value: 'marketing_email' },
        { name: 'granted', label: 'The customer', kind: 'select', options: [{ value: 'true', label: 'gives consent' }, { value: 'false', label: 'withdraws consent' }], value: 'true' },
        { name: 'via', label: 'Said how', required: true, value: 'phone call with support' },
      ],
      submit: async (v, idempotencyKey) => {
        const given = v.granted === 'true';
        const message = await run(ctx, () => this.api.post(`${path}/consents`, { purpose: v.purpose, granted: given, via: v.via }, { idempotencyKey }), {
          done: `Consent ${given ? 'given' : 'withdrawn'}: ${sentence(v.purpose)}`,
          unchanged: given ? `${sentence(v.purpose)} was already given.` : `${sentence(v.purpose)} was not given, so there is nothing to withdraw.`,
        });
        void this.loadConsentHistory();
        return message;
      },
    });
    this.consentHistory = h('ol', { class: 'consent-history', 'aria-label': 'Consent history, newest first' });
  }

  /** Shows what is stored now, unless the agent started editing. */
  show(view: Customer360): void {
    const values = profileValues(view);
    if (!this.dirty) this.profileForm.setValues(values);
    this.stored = values;
  }

  async loadConsentHistory(minPosition?: number): Promise<void> {
    const id = encodeURIComponent(this.ctx.customerId);
    const pages = await Promise.all(['ConsentGiven', 'ConsentWithdrawn'].map((kind) => this.api.get<TimelinePage>(`/customers/${id}/timeline`, { kind, limit: 100, minPosition })));
    const entries: TimelineEntry[] = pages.flatMap((page) => page.items).sort((a, b) => (a.occurredAt < b.occurredAt ? 1 : a.occurredAt > b.occurredAt ? -1 : 0));
    replaceChildren(this.consentHistory, ...(entries.length === 0
      ? [h('li', { class: 'muted' }, 'No consent recorded yet.')]
      : entries.map((entry) => {
          const data = entry.data ?? {};
          const purpose = typeof data.purpose === 'string' ? sentence(data.purpose) : '?';
          return h('li', {}, h('time', { datetime: entry.occurredAt }, dateTime(entry.occurredAt)), ` ${purpose}: ${entry.kind === 'ConsentGiven' ? 'given' : 'withdrawn'} via ${String(data.via ?? '?')}`, entry.actor?.name ? ` (recorded by ${entry.actor.name})` : '');
        })));
  }
}
