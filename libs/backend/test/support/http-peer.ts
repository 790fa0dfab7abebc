import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'http';
import type { AddressInfo } from 'net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Answer = (request: RecordedRequest, res: ServerResponse) => void;

/** A real HTTP server on a random loopback port that plays Snorky's backend endpoint. */
export class HttpPeer {
  readonly requests: RecordedRequest[] = [];
  /** Default: a null response in the envelope of the requested service. */
  answer: Answer = (request, res) => replyJson(res, 200, { service: JSON.parse(request.body).service, message: { type: 'response', data: null } });
  private server!: Server;

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/backend`;
  }

  async start(): Promise<this> {
    return this.startOn(0);
  }

  /** Listens on `port` (e.g. the port of a peer stopped before: "Snorky is back"). */
  async startOn(port: number): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(request);
        this.answer(request, res);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return this;
  }

  bodies(): any[] {
    return this.requests.map((r) => JSON.parse(r.body));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

export function replyJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Answers every request with this RPC reply message. */
export function rpcReply(message: unknown): Answer {
  return (request, res) => replyJson(res, 200, { service: JSON.parse(request.body).service, message });
}

/** A free loopback port with nothing listening on it. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/backend`;
}
