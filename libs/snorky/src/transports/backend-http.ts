import { HttpException, PayloadTooLargeException } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'http';
import type { ServiceRegistry } from '../registry/service-registry';
import { ApiKeys } from './api-keys';
import { BackendRequestClient } from './backend-request-client';
import type { DrainState } from './drain-state';
import type { TransportStats } from '../metrics/node-stats';
import type { SnorkyMetrics } from '../metrics/snorky-metrics';
import { readJsonBody } from './read-body';

/** How long a backend request waits for its service's reply before answering 504. */
const REPLY_TIMEOUT_MS = 30_000;

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * The backend registry over HTTP (PROTOCOL §5): POST one envelope, get the reply envelope. A plain Node
 * request handler, not a Nest controller, so the app's global prefix, middleware, guards, interceptors,
 * pipes and filters never touch it, and it behaves the same on Express and on Fastify (any content type).
 */
export class BackendHttpHandler {
  private readonly keys: ApiKeys;
  /** Frame counters (undefined when metrics are off). */
  private readonly counters: TransportStats | undefined;

  constructor(
    readonly path: string,
    apiKeys: string[],
    private readonly registry: ServiceRegistry,
    private readonly maxFrameSize: number,
    /** Draining: requests arriving answer 503; the ones in flight are counted so the drain can wait for them. */
    private readonly drain?: DrainState,
    private readonly metrics?: SnorkyMetrics,
  ) {
    this.keys = new ApiKeys(apiKeys);
    this.counters = metrics?.frameCounters('backend');
  }

  /** Is this request for the backend endpoint (whatever its method)? */
  matches(req: IncomingMessage): boolean {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    return (query === -1 ? url : url.slice(0, query)) === this.path;
  }

  /** Answers one request; never throws. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.answer(req, res).catch((err) => {
      const status = err instanceof HttpException ? err.getStatus() : 500;
      sendError(res, status, err instanceof HttpException ? err.message : 'Internal server error');
    });
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      req.resume();
      return sendError(res, 405, 'The backend endpoint takes POST');
    }
    const refusal = this.keys.refusal(req.headers['x-backend-key']);
    if (refusal) {
      req.resume(); // nothing executed; the body is not even parsed
      return sendError(res, 401, refusal);
    }
    if (this.drain?.draining) return shuttingDown(req, res);
    if (this.counters !== undefined) this.counters.framesReceived++;
    let body: unknown;
    try {
      body = await readJsonBody(req, this.maxFrameSize, this.registry.maxJsonDepth);
    } catch (err) {
      this.metrics?.frameDropped(err instanceof PayloadTooLargeException ? 'too_large' : 'invalid_envelope');
      throw err;
    }
    // A request whose body arrived during the drain is a new request too.
    if (this.drain?.draining) return shuttingDown(req, res);
    const done = this.drain?.track();
    const client = new BackendRequestClient(req.socket.remoteAddress);
    this.registry.dispatchParsed(client, body);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), REPLY_TIMEOUT_MS)));
    try {
      const outcome = await Promise.race([client.outcome, timeout]);
      if (outcome === 'timeout') return sendError(res, 504, 'The service did not reply in time');
      if ('dropped' in outcome) return sendError(res, 400, `Request dropped: ${outcome.dropped}`);
      if ('unavailable' in outcome) return sendError(res, 503, `Service unavailable: ${outcome.unavailable}`);
      if (this.counters !== undefined) this.counters.framesSent++;
      send(res, 200, outcome.frame);
    } finally {
      clearTimeout(timer);
      done?.();
    }
  }
}

function shuttingDown(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.setHeader('Connection', 'close');
  sendError(res, 503, 'Snorky is shutting down');
}

function send(res: ServerResponse, status: number, json: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) }).end(json);
}

/** Error bodies keep the shape Nest gives HTTP errors, as the endpoint had when it was a controller. */
function sendError(res: ServerResponse, status: number, message: string): void {
  send(res, status, JSON.stringify({ statusCode: status, message, error: STATUS_TEXT[status] ?? 'Error' }));
}
