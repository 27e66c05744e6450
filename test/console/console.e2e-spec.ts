import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { exchangeToken } from '../support/grading';
import { eventually, testPort } from '../support/infra';
import { DEMO, startConsoleStack, type ConsoleStack } from '../support/console-stack';

// From the block of fixed ports kept for the console's suites (the API suite uses 19621).
const CONSOLE_PORT = testPort(19620);
/** Debian's chromium (`apt-get install chromium`, as .ci/run does); a browser is never downloaded. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(__dirname, '..', '..', '.cache', 'screenshots');

/**
 * An operator at the console in a real (headless) browser: signs in with an
 * admin key using the keyboard alone, reads grading's health, finds the demo
 * learner's delivered grade, retries a dead letter, revokes a key. The page
 * asks nothing of any origin but its own.
 */
describe('the operator console in a browser', () => {
  let s: ConsoleStack;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let adminKey: string;
  const foreignRequests: string[] = [];
  const pageErrors: string[] = [];

  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `console-${name}.png`) });
  const open = (section: string) => page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: section }).click();

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    s = await startConsoleStack('console-browser', CONSOLE_PORT);
    adminKey = await s.issueKey('support-desk', ['admin']);
    profile = mkdtempSync(join(tmpdir(), 'console-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 800 },
      deviceScaleFactor: 1,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(s.consoleUrl) && !url.startsWith('data:')) foreignRequests.push(url);
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await s?.close();
  });

  it('signs in with the keyboard alone, and keeps the token, never the key', async () => {
    await page.goto(s.consoleUrl);
    const keyField = page.getByLabel('Admin API key');
    expect(await keyField.getAttribute('type')).toBe('password');
    await expect(page.evaluate('document.activeElement && document.activeElement.id')).resolves.toBe(await keyField.getAttribute('id'));
    await shot('sign-in');
    await page.keyboard.type(adminKey);
    await page.keyboard.press('Enter');
    await page.getByText('Signed in as').waitFor();
    expect(await page.locator('.who strong').textContent()).toBe('support-desk');
    const stored = await page.evaluate<string>('JSON.stringify({ session: { ...sessionStorage }, local: { ...localStorage } })');
    expect(stored).not.toContain(adminKey);
    expect(stored).toContain('token');
  });

  it("shows grading's health: the checks, delivery and throttling per platform, the last runs", async () => {
    await page.getByRole('heading', { name: 'Sync state' }).waitFor();
    await page.getByText('Delivery, last hour').waitFor();
    const chart = page.getByRole('img', { name: new RegExp(`^${DEMO.platformId.replace(/[.]/g, '\\.')}: 9 delivered, 3 throttled, 1 failed`) });
    await chart.waitFor();
    await expect(page.getByRole('row', { name: /Roster refresh succeeded/ }).count()).resolves.toBe(1);
    await expect(page.locator('.stat', { hasText: 'Dead letters' }).locator('.stat-value').textContent()).resolves.toBe('1');
    await shot('sync-state');
  });

  it("finds the demo learner by email and shows the delivered grade with the LMS's answers", async () => {
    await open('Find a learner');
    const search = page.getByLabel('User id or email');
    expect(await search.getAttribute('type')).toBe('search');
    await search.fill(DEMO.learner.email);
    await search.press('Enter');
    const row = page.getByRole('row').filter({ hasText: DEMO.contextId });
    await row.waitFor();
    await expect(row.locator('.badge').textContent()).resolves.toBe('delivered');
    await expect(row.textContent()).resolves.toContain('87 / 100');
    await row.getByText(/attempts? of this value/).click();
    await row.locator('.attempts li', { hasText: 'delivered' }).first().waitFor();
    const waiting = page.getByRole('row').filter({ hasText: DEMO.unlaunched.contextId });
    await expect(waiting.locator('.badge').textContent()).resolves.toBe('waiting-for-launch');
    await shot('learner');
  });

  it('lists what waits for a launch', async () => {
    await open('Waiting for launch');
    const row = page.getByRole('row').filter({ hasText: DEMO.unlaunched.resourceLinkId });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('never captured');
  });

  it('retries a dead letter once the cause is fixed, and the grade is delivered', async () => {
    await s.stack.emulator.admin.enroll(DEMO.platformId, DEMO.contextId, [{ userId: DEMO.lateLearner, roles: ['Learner'] }]);
    await open('Dead letters');
    const row = page.locator(`tr[data-dead-letter-id="${s.deadLetterId}"]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('422');
    await page.getByLabel('Filter').fill('nobody-matches-this');
    await page.getByText('No dead letter matches.').waitFor();
    await page.getByLabel('Filter').fill(DEMO.lateLearner);
    await row.waitFor();
    await shot('dead-letters');
    await page.getByRole('button', { name: `Retry dead letter ${s.deadLetterId}` }).click();
    await page.getByText(`Dead letter #${s.deadLetterId}: 1 retried`).waitFor();
    await page.getByText('No dead letter matches.').waitFor();
    await eventually(async () => (await s.stack.sql(`SELECT 1 FROM grading.scores WHERE user_id = $1 AND status = 'delivered'`, [DEMO.lateLearner])).length > 0, {
      what: 'the retried score to be delivered',
    });
  });

  it('revokes a key: the vault refuses it from then on', async () => {
    const doomed = await s.issueKey('old-nightly-grader', ['scores:write']);
    await open('API keys');
    const row = page.locator('tr[data-key-handle="old-nightly-grader"]');
    await row.waitFor();
    await page.getByRole('button', { name: 'Revoke old-nightly-grader' }).click();
    await page.getByRole('button', { name: 'Confirm revoking old-nightly-grader' }).click();
    await page.getByText('Revoked old-nightly-grader').waitFor();
    // The list reloads after the message shows: wait for the row to leave it.
    await row.waitFor({ state: 'detached' });
    await expect(exchangeToken(s.stack.vault.url, doomed)).rejects.toThrow(/401/);
    await shot('api-keys');
  });

  it('asked nothing of any other origin and raised no script error', () => {
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
