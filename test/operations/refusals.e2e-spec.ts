import { register } from 'prom-client';
import { SnorkyMetrics } from '@snorky/nest';
import { TestAuthenticator, UserDirectory, WhoAmIService } from '../identity/support/identity-fixtures';
import { sample } from '../support/prometheus';
import { startSnorkyApp } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';

/**
 * In a Nest app (metrics in the app's own default registry, as @willsoto/nestjs-prometheus would
 * serve them): the app's authenticator refusing a handshake counts as reason "authenticator".
 */
describe('refused connections in a Nest app', () => {
  it('counts handshakes the authenticator refuses, and only those', async () => {
    const server = await startSnorkyApp([WhoAmIService, UserDirectory, TestAuthenticator], { frontend: { authenticator: TestAuthenticator } });
    try {
      await expect(TestSocket.open(server.wsUrl, { headers: { Cookie: 'session=stolen' } })).rejects.toThrow('HTTP 401');
      await expect(TestSocket.open(`${server.wsUrl}?crash=1`)).rejects.toThrow('HTTP 401');
      const accepted = await TestSocket.open(`${server.wsUrl}?token=cid-token`);
      await accepted.close();
      const text = await register.metrics();
      expect(sample(text, 'snorky_connections_refused_total', { reason: 'authenticator' })).toBe(2);
      expect(sample(text, 'snorky_connections_total', { transport: 'websocket' })).toBe(1);
      expect(server.app.get(SnorkyMetrics).stats.refused).toMatchObject({ authenticator: 2, origin: 0, limit: 0 });
    } finally {
      await server.close();
    }
  });
});
