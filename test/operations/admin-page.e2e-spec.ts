import type { Browser, Page } from 'playwright-core';
import { tmpdir } from 'os';
import { join } from 'path';
import { launchChromium } from '../client/support/browser';
import { backendOk, CLUSTER_SERVICES, useTestCluster } from '../cluster/support/cluster';
import { operationsUrl } from '../support/prometheus';
import { startStandaloneServer } from '../support/standalone-server';

/** Where the screenshot goes; SNORKY_ADMIN_SCREENSHOT=docs/admin-page.png refreshes the README's. */
const SCREENSHOT = process.env.SNORKY_ADMIN_SCREENSHOT ?? join(tmpdir(), 'snorky-admin-page.png');
/** Seconds of traffic before the screenshot (longer makes nicer charts for the README). */
const TRAFFIC_SECONDS = Number(process.env.SNORKY_ADMIN_TRAFFIC_SECONDS ?? 3);

/**
 * The admin page in real Chromium, opened with the API key as HTTP Basic password on one node of a
 * two-node cluster: its figures change as clients connect, subscribe and publish on both nodes.
 */
describe('the admin page in Chromium', () => {
  const cluster = useTestCluster((url) =>
    Promise.all([0, 1].map(() => startStandaloneServer({ cluster: { redis: url }, operations: { reportInterval: 0.5 }, services: CLUSTER_SERVICES }))),
  );
  let browser: Browser;
  let page: Page;
  const text = (id: string) => page.locator(`#${id}`).innerText();
  const number = async (id: string) => Number((await text(id)).replace(/,/g, ''));
  const waitFor = (predicate: () => Promise<boolean>, what: string, timeoutMs = 10_000) =>
    (async () => {
      const deadline = Date.now() + timeoutMs;
      while (!(await predicate())) {
        if (Date.now() > deadline) throw new Error(`the admin page never showed ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('asks for the key, then shows live figures of every node that change with the traffic', async () => {
    const [a, b] = cluster.nodes;
    const adminUrl = operationsUrl(a.backendUrl, '/admin');
    // Without the key the browser is asked for it (Chromium headless fails such a navigation outright).
    expect((await fetch(adminUrl)).headers.get('www-authenticate')).toMatch(/^Basic /);

    const context = await browser.newContext({ httpCredentials: { username: 'ops', password: a.apiKey }, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    expect((await page.goto(adminUrl))!.status()).toBe(200);
    await waitFor(async () => (await text('node-count')) === '2', 'both nodes');
    expect(await text('connections')).toBe('0');
    expect(await text('broker-state')).toBe('up');

    const sockets = await Promise.all([a, a, a, b, b].map((node) => cluster.open(node)));
    for (const s of sockets) await s.call('pubsub', 'subscribe', { channel: 'ticker' }, 0);
    await waitFor(async () => (await text('connections')) === '5', '5 connections');
    await waitFor(async () => (await text('subscriptions')) === '5', '5 subscriptions');

    const token = await backendOk(b, 'datasync_backend', 'authorizeSubscription', { items: [{ dealer: 'AllTasks', query: null }] });
    await sockets[4].call('datasync', 'acquireSubscription', { token }, 1);
    const until = Date.now() + TRAFFIC_SECONDS * 1000;
    let i = 0;
    while (Date.now() < until) {
      await backendOk(i % 2 ? a : b, 'pubsub_backend', 'publish', { channel: 'ticker', message: i });
      if (i % 4 === 0) await backendOk(a, 'datasync_backend', 'publishDeltas', { deltas: [{ type: 'insert', model: 'Task', data: { id: i } }] });
      await sockets[i % 5].call('pubsub', 'publish', { channel: 'ticker', message: -i }, 2 + i);
      i++;
      // A rate that rises and falls, so the charts have a shape.
      await new Promise((r) => setTimeout(r, 20 + 30 * (1 + Math.sin(Date.now() / 4000))));
    }
    await waitFor(async () => (await number('frames-out')) > 0, 'frames going out');
    await waitFor(async () => (await number('publications')) > 0, 'publications');
    await waitFor(async () => (await number('deltas-delivered')) > 0, 'deltas delivered');
    expect(await page.locator('#nodes-table tbody tr').count()).toBe(2);
    const rpcRows = await page.locator('#rpc-table tbody tr').allInnerTexts();
    expect(rpcRows.some((row) => /frontend\s+pubsub\s+publish/.test(row))).toBe(true);
    expect(await page.locator('#chart-frames-out polyline').count()).toBe(2);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Clients leaving show too.
    await Promise.all(sockets.slice(0, 3).map((s) => s.close()));
    await waitFor(async () => (await text('connections')) === '2', '2 connections after 3 left');
    await context.close();
  }, 30_000 + TRAFFIC_SECONDS * 1000);
});
