import * as fs from 'fs';
import * as path from 'path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../client/support/browser';
import { buildPrivateBundle, startTodoTestServer, tempDir, uniqueList, type TodoTestServer } from './support/todo-server';
import { expectShown, todo, waitForConnection } from './support/todo-page';

const ROOT = path.resolve(__dirname, '..', '..');
const SCREENSHOT = path.join(ROOT, 'docs', 'todo-presence.png');
const SCREENSHOT_COPY = path.join(ROOT, 'test-results', 'todo-presence.png');

/** The demo's presence (Chat) and live cursors (Cursors) in Chromium: who is here, who edits which todo. */
describe('ToDo demo: presence and live cursors in Chromium', () => {
  let tmp: ReturnType<typeof tempDir>;
  let server: TodoTestServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  async function open(list: string, user: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 600, height: 720 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
    await page.goto(`${server.base}/?list=${encodeURIComponent(list)}&user=${encodeURIComponent(user)}`);
    await waitForConnection(page, 'connected');
    return page;
  }

  const here = (page: Page) => page.locator('.presence .member').allTextContents();
  async function expectHere(page: Page, expected: string[]): Promise<void> {
    const want = JSON.stringify(expected);
    await page
      .waitForFunction((w) => JSON.stringify(Array.from(document.querySelectorAll('.presence .member')).map((m) => m.textContent)) === w, want, { timeout: 5000 })
      .catch(async () => {
        throw new Error(`${page.url()} shows ${JSON.stringify(await here(page))} as here, not ${want}`);
      });
  }

  beforeAll(async () => {
    tmp = tempDir('snorky-todo-presence-');
    const bundle = await buildPrivateBundle(tmp.dir);
    server = await startTodoTestServer({ dataDir: path.join(tmp.dir, 'data'), clientBundle: bundle });
    browser = await launchChromium();
  }, 60000);
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    expect(pageErrors.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    tmp?.cleanup();
  });

  it('each window sees who is here and who edits which todo; both go when the other window closes', async () => {
    const list = uniqueList('presence');
    const ann = await open(list, 'ann');
    await expectHere(ann, ['ann (you)']);
    await todo.add(ann, 'Buy milk');
    await todo.add(ann, 'Call mum');
    const bob = await open(list, 'bob');
    await expectShown(bob, ['Buy milk', 'Call mum']);
    await expectHere(bob, ['ann', 'bob (you)']);
    await expectHere(ann, ['ann (you)', 'bob']);

    await todo.item(ann, 'Call mum').locator('label').dblclick();
    await todo.item(bob, 'Call mum').locator('.editors span', { hasText: 'ann is editing' }).waitFor({ timeout: 5000 });
    expect(await todo.item(bob, 'Buy milk').locator('.editors span').count()).toBe(0);
    await todo.item(ann, 'Call mum').locator('.edit').press('Escape');
    await bob.waitForFunction(() => document.querySelectorAll('.todo-list .editors span').length === 0, undefined, { timeout: 5000 });

    await todo.item(bob, 'Buy milk').locator('label').dblclick();
    await todo.item(ann, 'Buy milk').locator('.editors span', { hasText: 'bob is editing' }).waitFor({ timeout: 5000 });
    await bob.context().close(); // leaving while editing: the cursor and the member go with the connection
    await expectHere(ann, ['ann (you)']);
    await ann.waitForFunction(() => document.querySelectorAll('.todo-list .editors span').length === 0, undefined, { timeout: 5000 });
  });

  it('a window without a usable name keeps syncing todos, without presence', async () => {
    const list = uniqueList('anon');
    const page = await open(list, '<script>');
    await todo.add(page, 'Still works');
    await expectShown(page, ['Still works']);
    expect(await page.locator('.presence').isHidden()).toBe(true);
  });

  it('makes the README screenshot: two windows, who is here and who edits what', async () => {
    const list = 'team';
    const context = await browser.newContext({ viewport: { width: 1200, height: 720 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.setContent(`<!doctype html><html><body style="margin:0;display:flex;gap:16px;padding:16px;background:#d9d9d9;font:13px sans-serif">
      ${['ann', 'bob']
        .map((user) => `<figure style="margin:0;flex:1;display:flex;flex-direction:column"><figcaption style="padding:4px 8px;background:#444;color:#fff">${user}'s window — /?list=${list}&amp;user=${user}</figcaption>
        <iframe src="${server.base}/?list=${list}&user=${user}" style="border:0;height:650px;background:#f5f5f5"></iframe></figure>`)
        .join('')}
    </body></html>`);
    const [annFrame, bobFrame] = [page.frameLocator('iframe').nth(0), page.frameLocator('iframe').nth(1)];
    await annFrame.locator('.connection[data-state="connected"]').waitFor();
    await bobFrame.locator('.connection[data-state="connected"]').waitFor();
    for (const title of ['Write the release notes', 'Review the Chat service', 'Book the team lunch']) {
      await annFrame.locator('.new-todo').fill(title);
      await annFrame.locator('.new-todo').press('Enter');
    }
    await bobFrame.locator('.todo-list li').nth(2).waitFor();
    await bobFrame.locator('.presence .member', { hasText: 'ann' }).waitFor();
    await annFrame.locator('.presence .member', { hasText: 'bob' }).waitFor();
    // One page has one focus: ann edits (her window shows the editor), bob's window shows who does.
    await annFrame.locator('.todo-list li').nth(1).locator('label').dblclick();
    await bobFrame.locator('.todo-list li').nth(1).locator('.editors span', { hasText: 'ann is editing' }).waitFor();
    await page.mouse.move(0, 0);

    fs.mkdirSync(path.dirname(SCREENSHOT_COPY), { recursive: true });
    await page.screenshot({ path: SCREENSHOT_COPY });
    expect(fs.statSync(SCREENSHOT_COPY).size).toBeGreaterThan(10000);
    // The committed copy changes only on request (or when missing), so test runs leave git clean.
    if (process.env.SNORKY_UPDATE_SCREENSHOTS || !fs.existsSync(SCREENSHOT)) fs.copyFileSync(SCREENSHOT_COPY, SCREENSHOT);
  });
});
