import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/browser';
import { backendCall, startClientTestServer, type ClientTestServer } from './support/client-server';
import { buildTestBundle, html, pageFilesController, script, type TestBundle } from './support/page-files';

/**
 * angular.js first, then the bundle (which registers the "Snorky" module).
 * Nothing on this page calls $apply/$digest: the template can only change
 * when the adapter runs events in a digest and `call()` returns `$q` promises.
 */
const PAGE = `<!doctype html>
<html ng-app="news">
<head><meta charset="utf-8"><title>news</title><link rel="icon" href="data:,">
<script src="/angular.min.js"></script>
<script src="/snorky.min.js"></script>
<script>
  angular.module('news', ['Snorky'])
    .factory('snorky', function () {
      return new Snorky('ws://' + location.host + '/ws', { pubsub: Snorky.PubSub, calc: Snorky.RpcService });
    })
    .controller('NewsController', ['$scope', '$q', 'snorky', function ($scope, $q, snorky) {
      $scope.messages = [];
      $scope.state = 'subscribing';
      snorky.services.pubsub.messagePublished.add(function (publication) {
        $scope.messages.push(publication.message.text);
      });
      snorky.services.pubsub.subscribe({ channel: 'news' }).then(
        function () { $scope.state = 'subscribed'; },
        function (error) { $scope.state = 'failed: ' + error.message; }
      );
      $scope.sum = function () {
        var call = snorky.services.calc.call('sum', { a: 2, b: 3 });
        window.lastCall = { promise: call, qPrototype: Object.getPrototypeOf($q.defer().promise) };
        call.then(function (result) { $scope.result = result; });
      };
    }]);
</script>
</head>
<body ng-controller="NewsController">
<p id="state">{{ state }}</p>
<p id="messages">{{ messages }}</p>
<p id="result">{{ result }}</p>
</body>
</html>`;

const ANGULAR = require.resolve('angular/angular.min.js');

/** The AngularJS adapter with real AngularJS (the `angular` npm package) in real Chromium. */
describe('AngularJS adapter in Chromium', () => {
  let server: ClientTestServer;
  let browser: Browser;
  let page: Page;
  let bundle: TestBundle;
  const errors: string[] = [];

  beforeAll(async () => {
    bundle = await buildTestBundle('angularjs-test');
    const PageController = pageFilesController({ '/': html(PAGE), 'angular.min.js': script(ANGULAR), 'snorky.min.js': script(bundle.outfile) });
    server = await startClientTestServer(0, { controllers: [PageController] });
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    // AngularJS reports errors thrown in digests through $exceptionHandler, i.e. console.error.
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`http://127.0.0.1:${server.port}/`);
  }, 60000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    bundle?.remove();
  });

  const text = (selector: string) => page.locator(selector).textContent();

  it('loads angular.js before the bundle and bootstraps an app depending on "Snorky"', async () => {
    expect(await page.evaluate(() => (window as any).angular.version.full)).toBe('1.8.3');
    // The subscribe promise settles inside a digest, so the template shows it.
    await page.waitForFunction(() => document.getElementById('state')!.textContent === 'subscribed', undefined, { timeout: 10000 });
    expect(await text('#messages')).toBe('[]');
  });

  it('shows publications made through the backend endpoint without $apply in the handler', async () => {
    await backendCall(server.backendUrl, 'pubsub_backend', 'publish', { channel: 'news', message: { text: 'Hello, AngularJS' } });
    await page.waitForFunction(() => document.getElementById('messages')!.textContent!.includes('Hello'), undefined, { timeout: 10000 });
    expect(JSON.parse((await text('#messages'))!)).toEqual(['Hello, AngularJS']);

    // Each event gets its own digest, not just the first one.
    await backendCall(server.backendUrl, 'pubsub_backend', 'publish', { channel: 'news', message: { text: 'Second' } });
    await page.waitForFunction(() => document.getElementById('messages')!.textContent!.includes('Second'), undefined, { timeout: 10000 });
    expect(JSON.parse((await text('#messages'))!)).toEqual(['Hello, AngularJS', 'Second']);
  });

  it('returns $q promises from call(), whose .then updates the view by itself', async () => {
    // Triggered outside Angular (no ng-click digest around it) on purpose.
    await page.evaluate(() => (window as any).angular.element(document.body).scope().sum());
    await page.waitForFunction(() => document.getElementById('result')!.textContent === '5', undefined, { timeout: 10000 });
    expect(await page.evaluate(() => Object.getPrototypeOf((window as any).lastCall.promise) === (window as any).lastCall.qPrototype)).toBe(true);
    expect(errors).toEqual([]);
  });
});
