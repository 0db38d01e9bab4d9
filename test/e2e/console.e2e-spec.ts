// The support console in a real browser (headless Chromium) against the embedded platform with
// seeded demo data: sign in, search, open a customer, read the timeline, log a call and see it,
// see another client's interaction arrive live, and get refusals next to the right field.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { seed, startChronicle, type RunningChronicle } from '@app/composition';
import { ApiClient } from '../support/api-client';
import { launchChromium, screenshotPath, type HeadlessBrowser } from '../support/browser';

// Functions passed to page.evaluate run inside the page: the few browser globals they touch, typed
// here so the root (Node-only) type check accepts them without pulling DOM types into every file.
declare const document: {
  readonly body: { readonly dataset: Record<string, string | undefined> };
  readonly activeElement: { readonly id: string } | null;
  querySelectorAll(selector: string): ArrayLike<{ readonly classList: { contains(name: string): boolean } }>;
};
declare const sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
declare const window: { marker?: number };

const KEYS = { ingest: 'console-ingest-key-0123456789', support: 'console-support-key-0123456789', analyst: 'console-analyst-key-0123456789' };
const ROOT = join(__dirname, '..', '..');
const WAIT_MS = 15_000;

jest.setTimeout(120_000);

describe('Support console in headless Chromium', () => {
  let dataDir: string;
  let chronicle: RunningChronicle;
  let browser: HeadlessBrowser;
  let page: Page;
  let ingest: ApiClient;
  let support: ApiClient;
  // Demo customer 7, whose name and email the search uses.
  let customer: { customerId: string; displayName: string; email: string; firstName: string; lastName: string };

  const shot = (name: string) => page.screenshot({ path: screenshotPath('console', name), fullPage: true });
  const timelineCount = () => page.locator('#timeline li.entry').count();

  beforeAll(async () => {
    rmSync(join(ROOT, 'test-output', 'console'), { recursive: true, force: true });
    // The page under test is the one built from the current source.
    execFileSync(join(ROOT, 'node_modules', '.bin', 'vite'), ['build', '--config', 'apps/console/vite.config.mts', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
    dataDir = mkdtempSync(join(tmpdir(), 'chronicle-console-'));
    chronicle = await startChronicle({
      DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn',
      API_KEYS: Object.entries(KEYS).map(([role, key]) => `${role}=${key}`).join(','),
    });
    ingest = new ApiClient(chronicle.url, KEYS.ingest);
    support = new ApiClient(chronicle.url, KEYS.support);
    const seeded = await seed({ url: chronicle.url, apiKey: KEYS.ingest, customers: 40, seed: 2026, concurrency: 4, progress: false });
    expect(seeded.failures).toEqual([]);
    const customerId = 'demo-00007';
    // Enough notes that the timeline has more than one page, dated before today's interactions.
    const notes = Array.from({ length: 40 }, (_, i) => ({
      type: 'note', customerId, noteId: `bulk-${i}`, text: `Background note ${i}`, authorId: 'agent-9', occurredAt: new Date(Date.UTC(2020, 0, 1 + i)).toISOString(),
    }));
    const batch = await ingest.post('/v1/interactions/batch', { items: notes });
    expect(batch.body.accepted).toBe(40);
    // Purchases in currencies with 0 and 3 decimals beside the demo's EUR ones (issue 11: one exponent for all, one total for all).
    const foreign = await ingest.post('/v1/interactions/batch', { items: [
      { type: 'purchase', customerId, orderId: 'console-jpy', channel: 'web', currency: 'JPY', lines: [{ sku: 'TEA', name: 'Tea', category: 'tea', quantity: 1, unitPriceMinor: 1500 }], occurredAt: '2020-03-01T10:00:00Z' },
      { type: 'purchase', customerId, orderId: 'console-eur', channel: 'web', currency: 'EUR', lines: [{ sku: 'TEA', name: 'Tea', category: 'tea', quantity: 1, unitPriceMinor: 995 }], occurredAt: '2020-03-03T10:00:00Z' },
      { type: 'purchase', customerId, orderId: 'console-bhd', channel: 'web', currency: 'BHD', lines: [{ sku: 'TEA', name: 'Tea', category: 'tea', quantity: 1, unitPriceMinor: 12_345 }], occurredAt: '2020-03-02T10:00:00Z' },
    ] });
    expect(foreign.body.accepted).toBe(3);
    const last = Math.max(...[...batch.body.results, ...foreign.body.results].map((r: { outcome: { position: number } }) => r.outcome.position));
    const view = await support.get(`/v1/customers/${customerId}?minPosition=${last}`);
    expect(view.headers['x-chronicle-consistent']).toBe('true');
    customer = { customerId, displayName: view.body.displayName, email: view.body.profile.email, firstName: view.body.profile.firstName, lastName: view.body.profile.lastName };
    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(WAIT_MS);
  });

  afterAll(async () => {
    await browser?.close();
    await chronicle?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the console publicly under /console while the API still asks for a key', async () => {
    const html = await new ApiClient(chronicle.url).get('/console/');
    expect(html.status).toBe(200);
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(html.body).toContain('Chronicle support console');
    expect((await new ApiClient(chronicle.url).get(`/v1/customers/${customer.customerId}`)).status).toBe(401);
  });

  it('refuses an unknown key next to the key field, then signs in with a support key kept out of the URL', async () => {
    await page.goto(`${chronicle.url}/console/`);
    await page.getByLabel('API key').fill('not-a-real-key-000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#api-key-error', { hasText: 'unknown or has expired' }).waitFor();
    expect(await page.getByLabel('API key').getAttribute('aria-invalid')).toBe('true');
    await shot('01-sign-in-refused');

    await page.getByLabel('API key').fill(KEYS.analyst);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#api-key-error', { hasText: 'Use a support key' }).waitFor();

    await page.getByLabel('API key').fill(KEYS.support);
    await page.getByLabel('Your agent id').fill('agent-42');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('searchbox', { name: 'Find a customer' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('chronicle.console.apiKey'))).toBe(KEYS.support);
    expect(page.url()).not.toContain(KEYS.support);
    // Focus lands in the search box, ready to type.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('customer-search');
  });

  it('finds customers as the agent types a name prefix, an email or an id', async () => {
    const search = page.getByRole('searchbox', { name: 'Find a customer' });
    await search.pressSequentially(`${customer.firstName} ${customer.lastName.slice(0, 2)}`, { delay: 20 });
    await page.locator('#search-results a', { hasText: customer.displayName }).first().waitFor();
    await page.locator('#search-status', { hasText: /customers? found/ }).waitFor();
    await shot('02-search-by-name');

    await search.fill(customer.email.slice(0, 12));
    await page.locator('#search-results a', { hasText: customer.email }).waitFor();

    await search.fill(customer.customerId);
    await page.locator('#search-results a', { hasText: customer.customerId }).waitFor();
    await search.fill('zz-nobody-by-that-name');
    await page.locator('#search-status', { hasText: 'No customer matches' }).waitFor();
  });

  it('opens the 360 page from the results with the keyboard and reports when it became interactive', async () => {
    const search = page.getByRole('searchbox', { name: 'Find a customer' });
    await search.fill(customer.customerId);
    await page.locator('#search-results a', { hasText: customer.customerId }).waitFor();
    await search.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => document.body.dataset.customerReady === id, customer.customerId);
    expect(page.url()).toContain(`#/customers/${customer.customerId}`);
    await page.getByRole('heading', { level: 1, name: customer.displayName }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('customer-title');

    const measured = await page.evaluate(() => performance.getEntriesByName('chronicle:360')[0]?.duration ?? null);
    expect(typeof measured).toBe('number');
    process.stdout.write(`Console: 360 page of ${customer.customerId} interactive after ${(measured as number).toFixed(0)} ms (performance measure chronicle:360)\n`);

    for (const name of ['Profile', 'Loyalty', 'Segments', 'Key figures', 'Quick actions', 'Timeline']) {
      await page.getByRole('heading', { level: 2, name }).waitFor();
    }
    await page.getByRole('heading', { level: 2, name: /^Open tickets \(\d+\)$/ }).waitFor();
    const view = (await support.get(`/v1/customers/${customer.customerId}`)).body;
    await page.locator('#figures .figure', { hasText: 'Orders' }).locator('.figure-value', { hasText: new RegExp(`^${view.purchases.count}$`) }).waitFor();
    await page.locator('#profile dd', { hasText: customer.email }).waitFor();
    // Money: one amount per currency, each with its own exponent, never one sum.
    const net = page.locator('#figures .figure', { hasText: 'Net revenue' });
    expect((await net.locator('.amount').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-currency')))).sort()).toEqual(['BHD', 'EUR', 'JPY']);
    expect(await net.locator('.amount[data-currency="JPY"]').textContent()).toMatch(/^\D*1[,.\s\u00a0\u202f]?500\D*$/);
    expect(await net.locator('.amount[data-currency="BHD"]').textContent()).toMatch(/12[.,]345/);
    expect(await net.locator('.amount[data-currency="EUR"]').getAttribute('data-minor')).toBe(String(view.purchases.byCurrency.EUR.netMinor));
    expect(await net.locator('.amount[data-currency="EUR"]').textContent()).toMatch(/\d[.,]\d{2}(\D|$)/);
    // Loyalty and analytics answer or not depending on what is deployed; either way the page says so calmly.
    await page.locator('#loyalty').locator('dl, .not-available').first().waitFor();
    await page.locator('.live-status[data-state="live"]').waitFor();
    await shot('03-customer-360');
  });

  it('shows the timeline newest first and loads older pages on scroll, filtered by channel', async () => {
    const first = await page.locator('#timeline li.entry time').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('datetime') ?? ''));
    expect(first.length).toBe(25);
    expect([...first].sort().reverse()).toEqual(first);
    await page.locator('#timeline li.entry').last().scrollIntoViewIfNeeded();
    await page.waitForFunction(() => document.querySelectorAll('#timeline li.entry').length > 25);
    const all = await page.locator('#timeline li.entry time').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('datetime') ?? ''));
    expect([...all].sort().reverse()).toEqual(all);

    await page.locator('#timeline').getByLabel('Channel').selectOption('note');
    await page.waitForFunction(() => {
      const entries = Array.from(document.querySelectorAll('#timeline li.entry'));
      return entries.length > 0 && entries.every((e) => e.classList.contains('channel-note'));
    });
    await page.locator('#timeline').getByLabel('Channel').selectOption('');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('#timeline li.entry')).some((e) => !e.classList.contains('channel-note')));
    await page.locator('#timeline-title').scrollIntoViewIfNeeded();
  });

  it('keeps what the agent typed and names the field when a call is refused, then logs it and shows it', async () => {
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'Log a call' }) });
    await form.getByLabel('Summary').fill('Asked about the winter sale');
    await form.getByLabel('Duration (seconds)').fill('-5');
    await form.getByRole('button', { name: 'Log call' }).click();
    const error = form.locator('.field-error', { hasText: /durationSeconds/ });
    await error.waitFor();
    expect(await form.getByLabel('Duration (seconds)').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByLabel('Summary').inputValue()).toBe('Asked about the winter sale');
    await form.locator('.form-status.error', { hasText: 'correct the marked fields' }).waitFor();
    await shot('04-call-refused');

    const before = await timelineCount();
    await form.getByLabel('Duration (seconds)').fill('95');
    await form.getByLabel('Direction').selectOption('outbound');
    await form.getByRole('button', { name: 'Log call' }).click();
    await form.locator('.form-status.success', { hasText: 'Call logged' }).waitFor();
    // Read-your-writes: the entry is there as soon as the command answered, no reload.
    await page.locator('#timeline li.entry[data-kind="CallLogged"]', { hasText: 'Outbound call, 1m 35s, resolved' }).waitFor();
    expect(await timelineCount()).toBe(before + 1);
    expect(await form.getByLabel('Summary').inputValue()).toBe('');
    await shot('05-call-logged');
  });

  it('shows an interaction posted by another client live, without a reload', async () => {
    const marker = await page.evaluate(() => (window.marker = 42));
    const interactionsBefore = (await support.get(`/v1/customers/${customer.customerId}`)).body.interactions as number;
    const posted = await ingest.post('/v1/interactions/notes', { customerId: customer.customerId, noteId: 'from-the-shop-1', text: 'Customer asked for gift wrapping', authorId: 'shop-bot' });
    expect(posted.status).toBe(201);
    await page.locator('#timeline li.entry.fresh[data-kind="NoteAdded"]', { hasText: 'Note: Customer asked for gift wrapping' }).waitFor();
    await page.locator('.customer-header', { hasText: `${interactionsBefore + 1} interactions` }).waitFor();
    // Same document: the window's state survived, so nothing reloaded.
    expect(await page.evaluate(() => window.marker)).toBe(marker);
    await shot('06-live-update');
  });

  it('opens, answers and resolves a ticket from the page, showing the new state each time', async () => {
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'Open a ticket' }) });
    await form.getByLabel('Subject').fill('Gift wrapping missing');
    await form.getByLabel('Priority').selectOption('high');
    await form.getByRole('button', { name: 'Open ticket' }).click();
    await form.locator('.form-status.success', { hasText: /Ticket .* opened/ }).waitFor();
    const ticket = page.locator('#open-tickets li', { hasText: 'Gift wrapping missing' });
    await ticket.waitFor();
    await ticket.locator('.sla', { hasText: 'First response: on track' }).waitFor();
    const ticketId = await ticket.getAttribute('data-ticket-id');

    await ticket.getByText(/^Reply or resolve/).click();
    await ticket.getByLabel('Reply to the customer').fill('Sorry, we are sending the wrapping today.');
    await ticket.getByRole('button', { name: 'Send reply' }).click();
    await page.locator('.activity', { hasText: 'Reply sent' }).waitFor();
    const answered = page.locator(`#open-tickets li[data-ticket-id="${ticketId}"]`);
    await answered.locator('.sla', { hasText: 'First response: met' }).waitFor();
    await shot('07-ticket-answered');

    await answered.getByText(/^Reply or resolve/).click();
    await answered.getByLabel('Resolution').fill('Wrapping sent');
    await answered.getByRole('button', { name: 'Resolve ticket' }).click();
    await page.locator('.activity', { hasText: 'Ticket resolved' }).waitFor();
    await page.locator(`#open-tickets li[data-ticket-id="${ticketId}"]`).waitFor({ state: 'detached' });
    expect((await support.get(`/v1/tickets/${ticketId}`)).body.status).toBe('resolved');
  });

  it('redeems points where the loyalty capability answers, keeping the amount when the balance is too low', async () => {
    const loyalty = await support.get(`/v1/customers/${customer.customerId}/loyalty`);
    if (loyalty.status !== 200) {
      // Not deployed here: the page says so and offers no redemption.
      await page.locator('#loyalty .not-available').waitFor();
      expect(await page.getByRole('heading', { name: 'Redeem points' }).count()).toBe(0);
      return;
    }
    const balance = loyalty.body.balance as number;
    await page.locator('#loyalty dd', { hasText: `${balance} points` }).waitFor();
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'Redeem points' }) });
    await form.getByLabel('Points').fill(String(balance + 1000));
    await form.getByRole('button', { name: 'Redeem' }).click();
    await form.locator('.form-status.error').waitFor();
    expect(await form.getByLabel('Points').inputValue()).toBe(String(balance + 1000));

    await form.getByLabel('Points').fill('10');
    await form.getByRole('button', { name: 'Redeem' }).click();
    await form.locator('.form-status.success', { hasText: '10 points redeemed' }).waitFor();
    await page.locator('#loyalty dd', { hasText: `${balance - 10} points` }).waitFor();
    await shot('08-points-redeemed');
  });

  it('sends the agent back to sign-in in plain words when the key stops working', async () => {
    await page.evaluate(() => sessionStorage.setItem('chronicle.console.apiKey', 'revoked-key-0000000000'));
    await page.reload();
    await page.locator('.sign-in .form-status', { hasText: 'unknown or has expired' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('chronicle.console.apiKey'))).toBeNull();
    await shot('09-key-expired');
  });
});
