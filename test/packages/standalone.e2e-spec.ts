/**
 * A team without TypeScript: in an empty folder outside the checkout, `npm install` of the built
 * @snorky/server, @snorky/client and @snorky/backend tarballs, `ws` and `esbuild` from the registry; the
 * server's dependency @snorky/nest comes from its built tarball through `overrides`, where a team gets it
 * from the registry (it must not be a dependency of the folder itself: see the first test). Then
 *   - `npx snorky-server --config snorky.json` serves PubSub and DataSync;
 *   - @snorky/backend `require`d from CommonJS publishes, `import`ed from ESM authorizes and publishes deltas;
 *   - @snorky/client imported from an ESM Node script receives, and bundled by esbuild into a page in
 *     Chromium receives too.
 * The server pins Nest 11 and @snorky/nest's peers accept it: one copy of @nestjs/core in the folder.
 * (Installed as a dependency of the folder next to the server, @snorky/nest would get its peers at their
 * newest, Nest 12, and the server a second @nestjs/core of its own: "Nest can't resolve dependencies of
 * the DiscoveryService". The README says to install @snorky/server alone.)
 */
import { readFileSync, writeFileSync, cpSync } from 'fs';
import { join } from 'path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../client/support/browser';
import { SnorkySocket } from '../support/snorky-socket';
import { npmTarballs } from './support/artifacts';
import { FreshProject, freshProject, INSTALL_TIMEOUT_MS, StartedProcess, startProcess } from './support/fresh-project';

const API_KEY = 'fresh-project-key';
const CONFIG = {
  frontend: { host: '127.0.0.1', port: 0, path: '/ws' },
  backend: { host: '127.0.0.1', port: 0, path: '/backend', apiKey: API_KEY },
  services: [
    { type: 'pubsub', name: 'pubsub', backend: 'pubsub_backend' },
    { type: 'datasync', name: 'datasync', backend: 'datasync_backend', dealers: [{ name: 'AllTasks', model: 'Task', type: 'broadcast' }] },
  ],
};

describe('@snorky/server, @snorky/client and @snorky/backend in a fresh folder', () => {
  let project: FreshProject;
  let server: StartedProcess | undefined;
  let wsUrl: string;
  let backendUrl: string;

  beforeAll(async () => {
    const tarballs = npmTarballs();
    project = freshProject('standalone');
    cpSync(join(__dirname, 'fixtures', 'standalone'), project.dir, { recursive: true });
    const manifest = { name: 'fresh-snorky-team', private: true, overrides: { '@snorky/nest': `file:${tarballs.nest}` } };
    writeFileSync(join(project.dir, 'package.json'), JSON.stringify(manifest, null, 2));
    writeFileSync(join(project.dir, 'snorky.json'), JSON.stringify(CONFIG, null, 2));
    await project.npmInstall(tarballs.server, tarballs.client, tarballs.backend, 'ws@8.23.0', 'esbuild@0.28.2');
    server = startProcess(project.dir, 'npx', ['--no-install', 'snorky-server', '--config', 'snorky.json']);
    [, wsUrl] = await server.waitFor(/frontend listening on (ws:\/\/\S+)/);
    [, backendUrl] = await server.waitFor(/backend listening on (http:\/\/\S+)/);
  }, INSTALL_TIMEOUT_MS + 60_000);

  afterAll(async () => {
    await server?.stop();
    project?.remove();
  });

  it('installs one copy of @nestjs/core and @nestjs/common (the server\'s, which @snorky/nest peers on)', async () => {
    const lock = JSON.parse(readFileSync(join(project.dir, 'package-lock.json'), 'utf8'));
    for (const name of ['@nestjs/core', '@nestjs/common']) {
      const copies = Object.keys(lock.packages).filter((path) => path.endsWith(`node_modules/${name}`));
      expect(copies).toEqual([`node_modules/${name}`]);
    }
    expect(Object.keys(lock.packages).filter((path) => path.endsWith('node_modules/@snorky/nest'))).toEqual(['node_modules/@snorky/nest']);
  });

  it('npx snorky-server serves PubSub: a WebSocket subscriber gets what the backend endpoint publishes', async () => {
    const socket = await SnorkySocket.open(wsUrl);
    try {
      await socket.call('pubsub', 'subscribe', { channel: 'news' });
      const published = await fetch(backendUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Backend-Key': API_KEY },
        body: JSON.stringify({ service: 'pubsub_backend', message: { command: 'publish', params: { channel: 'news', message: 'hello' } } }),
      });
      expect(published.status).toBe(200);
      await waitUntil(() => socket.notifications.length > 0);
      expect(socket.notifications[0]).toEqual({ service: 'pubsub', message: { type: 'message', channel: 'news', message: 'hello' } });
    } finally {
      socket.close();
    }
  });

  it('@snorky/backend from ESM authorizes and publishes deltas; the DataSync subscriber gets them', async () => {
    const [, token] = /^token (\S+)$/m.exec(await project.run('node', ['backend.mjs', backendUrl, API_KEY, 'authorize']))!;
    const socket = await SnorkySocket.open(wsUrl);
    try {
      await socket.acquire(token);
      const delta = { type: 'insert', model: 'Task', data: { id: 1, title: 'installed' } };
      expect(await project.run('node', ['backend.mjs', backendUrl, API_KEY, 'publish', JSON.stringify(delta)])).toMatch(/^published null$/m);
      expect(await socket.waitForDeltas(1)).toEqual([delta]);
    } finally {
      socket.close();
    }
    expect(await project.run('node', ['backend.mjs', backendUrl, API_KEY, 'refused'])).toMatch(/^SnorkyError: No such dealer$/m);
  });

  it('@snorky/client from an ESM Node script receives what @snorky/backend, required from CommonJS, publishes', async () => {
    const client = startProcess(project.dir, process.execPath, ['client.mjs', wsUrl, 'node-script']);
    try {
      await client.waitFor(/^subscribed$/m);
      expect(await project.run('node', ['backend.cjs', backendUrl, API_KEY, 'node-script', '{"n":1}'])).toMatch(/^published \(typeorm absent\)$/m);
      await client.waitFor(/^message \{"n":1\}$/m, 10_000);
    } finally {
      await client.stop();
    }
  });

  describe('bundled by esbuild into a page, in Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      await project.run(join(project.dir, 'node_modules', '.bin', 'esbuild'), ['page.js', '--bundle', '--format=iife', '--outfile=page.bundle.js', '--log-level=warning']);
      browser = await launchChromium();
    }, 60_000);
    afterAll(() => browser?.close());

    it('the page subscribes and receives a message the backend publishes', async () => {
      const bundle = readFileSync(join(project.dir, 'page.bundle.js'), 'utf8');
      expect(bundle).not.toMatch(/require\(["']ws["']\)/); // the browser's own WebSocket
      const page = await browser.newPage();
      await page.goto(`file://${join(project.dir, 'index.html')}?ws=${encodeURIComponent(wsUrl)}`);
      await page.waitForFunction(() => (window as any).snorkyPage?.subscribed || (window as any).snorkyPage?.error, null, { timeout: 10_000 });
      expect(await page.evaluate(() => (window as any).snorkyPage.error)).toBeNull();
      await project.run('node', ['backend.cjs', backendUrl, API_KEY, 'page', '"to the page"']);
      await page.waitForFunction(() => (window as any).snorkyPage.messages.length > 0, null, { timeout: 10_000 });
      expect(await page.evaluate(() => (window as any).snorkyPage.messages)).toEqual(['to the page']);
    });
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
