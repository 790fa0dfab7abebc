import { SnorkyTransportError } from './errors';

/** Milliseconds to wait for Snorky to connect and answer (the original waited forever). */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** A request envelope for the backend endpoint (PROTOCOL.md §1). */
export interface Envelope {
  service: string;
  message: unknown;
}

/** Sends one envelope and resolves with the decoded reply envelope; pluggable for other pipes. */
export interface SnorkyTransport {
  send(envelope: Envelope): Promise<unknown>;
}

/** Receives one line per request and reply; never the API key. */
export interface SnorkyLogger {
  debug?(message: string): void;
}

export interface SnorkyHttpTransportOptions {
  /** The backend endpoint, e.g. `http://127.0.0.1:5801/backend`. */
  url: string;
  /** Sent as `X-Backend-Key`. */
  key: string;
  /** Milliseconds for the whole request (connect, send, answer); default 10 000. */
  timeout?: number;
  logger?: SnorkyLogger;
}

/**
 * One envelope per HTTP POST to Snorky's backend endpoint (PROTOCOL.md §5), with the headers the
 * Python connector sends. Uses Node's global fetch, which keeps connections alive and never retries
 * a POST itself; it reuses an idle connection only for the server's announced keep-alive minus 1 s
 * (Snorky's own backend listener announces 65 s, Node's default 5 s), so reuse never races the
 * server's close. Retries (safe with a batch id) are BackgroundPublisher's business.
 */
export class SnorkyHttpTransport implements SnorkyTransport {
  readonly url: string;
  readonly timeout: number;
  private readonly key: string;
  private readonly logger?: SnorkyLogger;

  constructor(options: SnorkyHttpTransportOptions) {
    if (!options || !options.url) throw new TypeError('SnorkyHttpTransport needs a url (the backend endpoint)');
    if (!options.key) throw new TypeError('SnorkyHttpTransport needs a key (the X-Backend-Key value)');
    const url = new URL(options.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`SnorkyHttpTransport url must be http:// or https://, got ${JSON.stringify(options.url)}`);
    }
    this.url = options.url;
    this.key = options.key;
    this.timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    this.logger = options.logger;
  }

  async send(envelope: Envelope): Promise<unknown> {
    const body = JSON.stringify(envelope);
    this.logger?.debug?.(`snorky -> ${this.url} ${body}`);
    const { status, text } = await this.post(body);
    this.logger?.debug?.(`snorky <- ${status} ${text}`);
    if (status < 200 || status >= 300) {
      throw new SnorkyTransportError(`Snorky backend at ${this.url} answered HTTP ${status}`, { status, body: text });
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new SnorkyTransportError(`Snorky backend at ${this.url} sent a non-JSON body: ${text.slice(0, 200)}`, {
        status,
        body: text,
        cause: error,
      });
    }
  }

  /** POSTs and reads the whole body under one deadline; every failure becomes a SnorkyTransportError. */
  private async post(body: string): Promise<{ status: number; text: string }> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.timeout);
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'X-Backend-Key': this.key, 'Content-Type': 'application/json', Accept: 'application/json' },
        body,
        signal: abort.signal,
      });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      if (abort.signal.aborted) {
        throw new SnorkyTransportError(`Snorky backend at ${this.url} did not answer within ${this.timeout} ms`, {
          cause: error,
          timedOut: true,
        });
      }
      throw new SnorkyTransportError(`Cannot reach Snorky backend at ${this.url}: ${describe(error)}`, { cause: error, reset: isReset(error) });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The connection was there and went away under the request (not refused). */
function isReset(error: unknown): boolean {
  const code = (error as { cause?: { code?: string } })?.cause?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED';
}

/** fetch says only "fetch failed"; the useful part (ECONNREFUSED, ENOTFOUND...) is in its cause. */
function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.message ? `${cause.code} (${cause.message})` : cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}
