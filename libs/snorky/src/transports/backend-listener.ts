import type { IncomingMessage, RequestListener } from 'http';
import { notFound } from './endpoint-listeners';
import type { OperationsEndpoint } from '../operations/operations-endpoint';

const VIA_BACKEND_LISTENER = Symbol('snorky.viaBackendListener');

/**
 * Request handler of the backend's own listener: the operations endpoints (/health, /ready, /metrics,
 * /admin) are answered first; only the backend path goes on to the Nest app
 * (so the guarded controller stays the one implementation), tagged so the guard knows where it came from.
 */
export function backendListenerHandler(path: string, app: RequestListener, operations?: OperationsEndpoint): RequestListener {
  return (req, res) => {
    if (operations?.handle(req, res)) return;
    const pathname = (req.url ?? '').split('?')[0];
    if (pathname !== path) return notFound(res);
    (req as unknown as Record<symbol, boolean>)[VIA_BACKEND_LISTENER] = true;
    app(req, res);
  };
}

export function cameThroughBackendListener(req: IncomingMessage): boolean {
  return (req as unknown as Record<symbol, boolean>)[VIA_BACKEND_LISTENER] === true;
}
