import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'http';
import { register } from 'prom-client';
import { SnorkyHealth } from '../health/snorky-health';
import { SNORKY_OPTIONS } from '../snorky.module-definition';
import type { OperationsOptions, SnorkyModuleOptions } from '../snorky-options';
import { ApiKeys } from '../transports/api-keys';
import { AdminFeed, latencyByCommand } from './admin-feed';
import { adminPage } from './admin-page';

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

const DEFAULT_PATHS = { health: '/health', ready: '/ready', metrics: '/metrics', admin: '/admin' };

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }).end(JSON.stringify(body));
}

/**
 * The operator's endpoints on the backend's own listener (private by default): `/health`,
 * `/ready`, `/metrics` need no key (probes and Prometheus); `/admin` asks for the API key through
 * HTTP Basic (any user name, the key as password) so a browser can open it.
 */
@Injectable()
export class OperationsEndpoint {
  private readonly routes = new Map<string, Handler>();
  private readonly keys: ApiKeys;

  constructor(
    @Inject(SNORKY_OPTIONS) options: SnorkyModuleOptions,
    private readonly health: SnorkyHealth,
    private readonly feed: AdminFeed,
  ) {
    this.keys = new ApiKeys(options.backend ? options.backend.apiKeys : []);
    const paths: OperationsOptions = options.operations === false ? { health: false, ready: false, metrics: false, admin: false } : { ...DEFAULT_PATHS, ...options.operations };
    if (paths.health) this.routes.set(paths.health, (_req, res) => this.liveness(res));
    if (paths.ready) this.routes.set(paths.ready, (_req, res) => this.readiness(res));
    if (paths.metrics) this.routes.set(paths.metrics, (_req, res) => this.metrics(res));
    if (paths.admin) {
      const admin = paths.admin;
      this.routes.set(admin, (req, res) => {
        if (this.authorized(req, res)) this.page(res, admin);
      });
      this.routes.set(`${admin}/stats`, (req, res) => {
        if (this.authorized(req, res)) this.stats(res);
      });
    }
  }

  /** Serves the request if its path is one of ours (GET only); false lets the listener go on. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const handler = this.routes.get((req.url ?? '').split('?')[0]);
    if (!handler) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('Method Not Allowed');
      return true;
    }
    Promise.resolve(handler(req, res)).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(err instanceof Error ? err.message : err));
    });
    return true;
  }

  private liveness(res: ServerResponse): void {
    const status = this.health.status();
    json(res, status.live ? 200 : 503, { status: status.live ? 'ok' : 'down', listeners: status.listeners });
  }

  private readiness(res: ServerResponse): void {
    const status = this.health.status();
    json(res, status.ready ? 200 : 503, { status: status.ready ? 'ready' : 'not ready', ...status });
  }

  private async metrics(res: ServerResponse): Promise<void> {
    const text = await register.metrics();
    res.writeHead(200, { 'Content-Type': register.contentType }).end(text);
  }

  /** HTTP Basic with any user name and an API key as the password; 401 asks the browser for it. */
  private authorized(req: IncomingMessage, res: ServerResponse): boolean {
    const header = req.headers.authorization ?? '';
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    const decoded = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon >= 0 && !this.keys.empty && this.keys.matches(decoded.slice(colon + 1))) return true;
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="Snorky admin", charset="UTF-8"', 'Content-Type': 'text/plain' }).end('The admin page needs the API key as password');
    return false;
  }

  private page(res: ServerResponse, adminPath: string): void {
    res
      .writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        // Inline script and style only: nothing is loaded from anywhere else.
        'Content-Security-Policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
      })
      .end(adminPage(`${adminPath}/stats`, this.feed.intervalSeconds));
  }

  private stats(res: ServerResponse): void {
    const nodes = this.feed.nodes();
    const latest = nodes.filter((n) => !n.stale).map((n) => n.reports[n.reports.length - 1]);
    json(res, 200, { at: Date.now(), intervalSeconds: this.feed.intervalSeconds, health: this.health.status(), nodes, rpc: latencyByCommand(latest) });
  }
}
