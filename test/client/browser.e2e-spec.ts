import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser';
import { backendCall, startClientTestServer, type ClientTestServer } from './support/client-server';
import { buildTestBundle, html, pageFilesController, script, type TestBundle } from './support/page-files';

const PAGE = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>loading</title><script src="/snorky.min.js"></script></head>
<body>
<ul id="news"></ul>
<script>
  var snorky = new Snorky('ws://' + location.host + '/ws', { pubsub: Snorky.PubSub });
  snorky.services.pubsub.messagePublished.add(function (publication) {
    var item = document.createElement('li');
    item.textContent = publication.message.text;
    document.getElementById('news').appendChild(item);
  });
  snorky.connected.add(function (e) { if (e.reconnected) document.body.setAttribute('data-reconnected', 'yes'); });
  snorky.services.pubsub.subscriptionsRestored.add(function (e) { document.body.setAttribute('data-restored', JSON.stringify(e.restored)); });
  snorky.services.pubsub.subscribe({ channel: 'news' }).then(
    function () { document.title = 'subscribed'; },
    function (error) { document.title = 'failed: ' + error.message; }
  );
</script>
</body>
</html>`;

/** The IIFE bundle in real Chromium: a page loads it, subscribes, and shows what the backend publishes. */
describe('browser bundle in Chromium', () => {
  let server: ClientTestServer;
  let browser: Browser;
  let page: Page;
  let bundle: TestBundle;
  let PageController: ReturnType<typeof pageFilesController>;

  beforeAll(async () => {
    bundle = await buildTestBundle('browser-test');
    expect(bundle.bytes).toBeGreaterThan(1000);
    PageController = pageFilesController({ '/': html(PAGE), 'snorky.min.js': script(bundle.outfile) });
    server = await startClientTestServer(0, { controllers: [PageController] });
    browser = await launchChromium();
  }, 60000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    bundle?.remove();
  });

  it('subscribes from the page and shows a publication made through the backend endpoint', async () => {
    page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await page.waitForFunction(() => document.title !== 'loading', undefined, { timeout: 10000 });
    expect(await page.title()).toBe('subscribed');

    expect(await backendCall(server.backendUrl, 'pubsub_backend', 'publish', { channel: 'news', message: { text: 'Hello, browser' } })).toEqual({
      type: 'response',
      data: null,
    });
    await page.waitForSelector('#news li', { timeout: 10000 });
    expect(await page.locator('#news li').allTextContents()).toEqual(['Hello, browser']);
    expect(errors).toEqual([]);
  });

  it('exposes the documented global shape', async () => {
    const shape = await page.evaluate(() => {
      const S = (window as any).Snorky;
      return {
        isClass: typeof S === 'function',
        self: S.Snorky === S,
        names: ['PubSub', 'DataSync', 'RpcService', 'RPCService', 'Service', 'Signal', 'ArrayCollection', 'SingleItemCollection', 'CollectionDeltaProcessor', 'rpcConnector', 'installAngularJs'].filter(
          (name) => typeof S[name] !== 'function',
        ),
        nested: typeof S.DataSync.ArrayCollection === 'function' && typeof S.DataSync.CollectionDeltaProcessor === 'function',
        usesNativeWebSocket: (window as any).snorky.socketClass === WebSocket,
        version: S.version,
      };
    });
    expect(shape).toEqual({ isClass: true, self: true, names: [], nested: true, usesNativeWebSocket: true, version: require('../../libs/client/package.json').version });
  });

  it('reconnects by itself after the server restarts and shows publications again', async () => {
    const port = server.port;
    await server.close();
    await new Promise((r) => setTimeout(r, 200));
    server = await startClientTestServer(port, { controllers: [PageController] });
    await page.waitForSelector('body[data-restored]', { timeout: 15000 });
    expect(await page.getAttribute('body', 'data-reconnected')).toBe('yes');
    expect(JSON.parse((await page.getAttribute('body', 'data-restored'))!)).toEqual(['news']);
    await backendCall(server.backendUrl, 'pubsub_backend', 'publish', { channel: 'news', message: { text: 'Still here' } });
    await page.waitForFunction(() => document.querySelectorAll('#news li').length === 2, undefined, { timeout: 10000 });
    expect(await page.locator('#news li').allTextContents()).toEqual(['Hello, browser', 'Still here']);
  });
});
