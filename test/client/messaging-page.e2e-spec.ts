import type { Browser, Page } from 'playwright-core';
import { MessagingService } from '@snorky/nest';
import { launchChromium } from './support/browser';
import { startClientTestServer, type ClientTestServer } from './support/client-server';
import { buildTestBundle, html, pageFilesController, script, type TestBundle } from './support/page-files';

/** The original chat demo's page (snorky/demos/chat), rewritten on our SDK: same element ids, same texts. */
const PAGE = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>Messaging</title><script src="/snorky.min.js"></script></head>
<body>
<form id="frmRegister"><input id="txtParticipantName"><button id="btnRegister">Register</button></form>
<p id="statusRegister"></p>
<button id="btnListParticipants">List participants</button>
<ul id="ulParticipants"></ul>
<form id="frmMessages"><input id="txtFrom"><input id="txtTo"><input id="txtMessage"><input type="submit" value="Send"></form>
<p id="statusMessages"></p>
<ul id="ulMessages"></ul>
<script>
  var snorky = new Snorky('ws://' + location.host + '/ws', { messaging: Snorky.Messaging });
  var messaging = snorky.services.messaging;
  function $(id) { return document.getElementById(id); }
  function show(id, text) { $(id).textContent = text; }
  function item(list, text) { var li = document.createElement('li'); li.textContent = text; $(list).appendChild(li); }
  $('frmRegister').onsubmit = function (ev) {
    ev.preventDefault();
    messaging.registerParticipant({ name: $('txtParticipantName').value }).then(
      function () { show('statusRegister', 'Successfully registered'); },
      function (err) { show('statusRegister', 'Register error: ' + err.message); });
  };
  $('btnListParticipants').onclick = function () {
    messaging.listParticipants().then(function (names) {
      $('ulParticipants').innerHTML = '';
      names.forEach(function (name) { item('ulParticipants', name); });
    });
  };
  $('frmMessages').onsubmit = function (ev) {
    ev.preventDefault();
    messaging.send({ sender: $('txtFrom').value, dest: $('txtTo').value, body: $('txtMessage').value }).then(
      function () { show('statusMessages', 'Successfully sent'); },
      function (err) { show('statusMessages', 'Error: ' + err.message); });
  };
  messaging.messageReceived.add(function (msg) { item('ulMessages', msg.sender + ' to ' + msg.dest + ': ' + msg.body); });
</script>
</body>
</html>`;

/** The original chat demo's own test script (demos/chat/tests/test.txt), in two Chromium windows. */
describe('a two-window messaging page in Chromium', () => {
  let server: ClientTestServer;
  let browser: Browser;
  let bundle: TestBundle;

  beforeAll(async () => {
    bundle = await buildTestBundle('messaging-page');
    const PageController = pageFilesController({ '/': html(PAGE), 'snorky.min.js': script(bundle.outfile) });
    server = await startClientTestServer(0, { controllers: [PageController], providers: [MessagingService] });
    browser = await launchChromium();
  }, 60000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    bundle?.remove();
  });

  async function window(name: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    page.on('pageerror', (error) => {
      throw error;
    });
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await page.fill('#txtParticipantName', name);
    await page.click('#btnRegister');
    await page.waitForSelector('#statusRegister:has-text("Successfully registered")');
    return page;
  }

  async function send(page: Page, from: string, to: string, text: string): Promise<void> {
    await page.fill('#txtFrom', from);
    await page.fill('#txtTo', to);
    await page.fill('#txtMessage', text);
    await page.click('#frmMessages input[type=submit]');
  }

  it('registers, lists, sends both ways, and answers Unknown destination once the other window closed', async () => {
    const alice = await window('Alice');
    const bob = await window('Bob');
    await alice.click('#btnListParticipants');
    await alice.waitForSelector('#ulParticipants li:has-text("Bob")');
    expect(await alice.locator('#ulParticipants li').allTextContents()).toEqual(['Alice', 'Bob']);

    const conversation: [Page, string, Page, string, string][] = [
      [alice, 'Alice', bob, 'Bob', 'Hi, Bob.'],
      [bob, 'Bob', alice, 'Alice', 'Hi.'],
      [alice, 'Alice', bob, 'Bob', "How's going?"],
      [bob, 'Bob', alice, 'Alice', 'Fine.'],
    ];
    for (const [from, sender, to, dest, text] of conversation) {
      await send(from, sender, dest, text);
      await to.waitForSelector(`#ulMessages li:has-text(${JSON.stringify(`${sender} to ${dest}: ${text}`)})`);
    }

    await bob.context().close();
    // the server frees Bob's name when it sees the socket close; wait until the list says so
    for (let tries = 0; ; tries++) {
      await alice.click('#btnListParticipants');
      await new Promise((r) => setTimeout(r, 50));
      const names = await alice.locator('#ulParticipants li').allTextContents();
      if (names.join() === 'Alice') break;
      if (tries > 50) throw new Error(`Bob still listed after his window closed: ${names.join(', ')}`);
    }
    await send(alice, 'Alice', 'Bob', 'Are you still there?');
    await alice.waitForSelector('#statusMessages:has-text("Unknown destination")');
  });
});
