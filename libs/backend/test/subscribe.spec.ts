/**
 * subscribeIfRequested in real Express and plain node:http servers: the X-Snorky: Subscribe header
 * authorizes first, then runs the query, then answers with X-Subscription-Token.
 */
import express from 'express';
import { createServer, Server } from 'http';
import type { AddressInfo } from 'net';
import {
  SnorkyBackend,
  SnorkyError,
  subscribeIfRequested,
  subscriptionRequested,
  SubscriptionAuthorizer,
  SubscriptionItem,
  TOKEN_HEADER,
} from '@snorky/backend';
import { HttpPeer, replyJson } from './support/http-peer';

/** Records the order of events so the test can check "authorize, then query". */
class Timeline implements SubscriptionAuthorizer {
  readonly events: string[] = [];
  readonly items: SubscriptionItem[][] = [];
  refuse?: string;

  async authorizeSubscription(items: SubscriptionItem[]): Promise<string> {
    this.items.push(items);
    await new Promise((r) => setTimeout(r, 20)); // a real round trip takes time: the query must wait for it
    this.events.push('authorize');
    if (this.refuse) throw new SnorkyError(this.refuse);
    return `token-${this.items.length}`;
  }

  async query(): Promise<string[]> {
    this.events.push('query');
    return ['task'];
  }
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('subscribeIfRequested', () => {
  let server: Server | undefined;
  let timeline: Timeline;
  let url: string;

  afterEach(async () => {
    if (!server) return;
    const open = server;
    server = undefined;
    open.closeAllConnections();
    await new Promise((r) => open.close(r));
  });

  describe('in Express', () => {
    beforeEach(async () => {
      timeline = new Timeline();
      const app = express();
      app.get('/tasks', async (req, res, next) => {
        try {
          const owner = req.query.owner as string | undefined;
          const items = () => [owner ? { dealer: 'TasksByOwner', query: owner } : { dealer: 'AllTasks', query: null }];
          res.json(await subscribeIfRequested(timeline, req, res, items, () => timeline.query()));
        } catch (error) {
          next(error);
        }
      });
      app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(502).json({ error: error.message });
      });
      server = createServer(app);
      url = await listen(server);
    });

    it('without the header: runs the query only, no token', async () => {
      const response = await fetch(`${url}/tasks`);
      expect(await response.json()).toEqual(['task']);
      expect(response.headers.get(TOKEN_HEADER)).toBeNull();
      expect(timeline.events).toEqual(['query']);
      expect(timeline.items).toEqual([]);
    });

    it('with X-Snorky: Subscribe: authorizes, then queries, then sends the token header', async () => {
      const response = await fetch(`${url}/tasks?owner=ann`, { headers: { 'X-Snorky': 'Subscribe' } });
      expect(await response.json()).toEqual(['task']);
      expect(response.headers.get('x-subscription-token')).toBe('token-1');
      expect(timeline.events).toEqual(['authorize', 'query']);
      expect(timeline.items).toEqual([[{ dealer: 'TasksByOwner', query: 'ann' }]]);
    });

    it('accepts the header value in any case, with blanks; ignores other values', async () => {
      const asked = await fetch(`${url}/tasks`, { headers: { 'x-snorky': '  subscribe ' } });
      expect(asked.headers.get(TOKEN_HEADER)).toBe('token-1');
      const other = await fetch(`${url}/tasks`, { headers: { 'X-Snorky': 'Unsubscribe' } });
      expect(other.headers.get(TOKEN_HEADER)).toBeNull();
    });

    it('a refused authorization fails the request before the query runs', async () => {
      timeline.refuse = 'No such dealer';
      const response = await fetch(`${url}/tasks`, { headers: { 'X-Snorky': 'Subscribe' } });
      expect(response.status).toBe(502);
      expect(await response.json()).toEqual({ error: 'No such dealer' });
      expect(response.headers.get(TOKEN_HEADER)).toBeNull();
      expect(timeline.events).toEqual(['authorize']);
    });
  });

  it('works on plain node:http with SnorkyBackend against an HTTP backend', async () => {
    const peer = await new HttpPeer().start();
    peer.answer = (request, res) =>
      replyJson(res, 200, { service: JSON.parse(request.body).service, message: { type: 'response', data: 'from-snorky' } });
    const snorky = new SnorkyBackend({ url: peer.url, key: 'k' });
    server = createServer(async (req, res) => {
      const body = await subscribeIfRequested(snorky, req, res, [{ dealer: 'AllTasks', query: null }], () => [1, 2]);
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(body));
    });
    url = await listen(server);
    try {
      const response = await fetch(url, { headers: { 'X-Snorky': 'Subscribe' } });
      expect(await response.json()).toEqual([1, 2]);
      expect(response.headers.get(TOKEN_HEADER)).toBe('from-snorky');
      expect(peer.bodies()).toEqual([
        { service: 'datasync_backend', message: { command: 'authorizeSubscription', params: { items: [{ dealer: 'AllTasks', query: null }] } } },
      ]);
    } finally {
      await peer.stop();
    }
  });

  it('sets the header through header() on Fastify-style replies', async () => {
    const set: Array<[string, string]> = [];
    const reply = { header: (name: string, value: string) => set.push([name, value]) };
    const request = { headers: { 'x-snorky': 'Subscribe' } };
    await expect(subscribeIfRequested({ authorizeSubscription: () => 'sync-token' }, request, reply, [], () => 'ok')).resolves.toBe('ok');
    expect(set).toEqual([[TOKEN_HEADER, 'sync-token']]);
  });

  it('subscriptionRequested reads repeated headers by their first value', () => {
    expect(subscriptionRequested({ headers: { 'x-snorky': ['Subscribe', 'x'] } })).toBe(true);
    expect(subscriptionRequested({ headers: {} })).toBe(false);
  });
});
