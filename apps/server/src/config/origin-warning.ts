import { isIP } from 'net';
import type { FrontendConfig } from './server-config';

/**
 * The warning the standalone server logs at start when any web page could open connections with its
 * visitors' cookies (cross-site WebSocket hijacking): `allowedOrigins` unset while the frontend listens
 * on an address other machines reach. Unset on loopback is the development default and says nothing.
 */
export function originWarning(frontend: Pick<FrontendConfig, 'host' | 'allowedOrigins'>): string | undefined {
  if (frontend.allowedOrigins || isLoopback(frontend.host)) return undefined;
  return (
    `frontend.allowedOrigins is unset and the frontend listens on ${frontend.host}: any web page may open a ` +
    "connection in its visitors' name. Set frontend.allowedOrigins to your site's origins."
  );
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
