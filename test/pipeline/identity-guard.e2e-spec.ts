import { CanActivate, ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { ChannelParams, Client, PubSubService, RpcRequest, SnorkyAuthenticator, SnorkyHandshake, SnorkyService } from '@snorky/nest';
import { HTTP_ADAPTERS, startSnorkyApp } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';

/** The user named by the `X-User` header, anonymous without it. */
@Injectable()
class HeaderAuthenticator implements SnorkyAuthenticator {
  authenticate({ headers }: SnorkyHandshake) {
    const user = headers['x-user'];
    return typeof user === 'string' ? { name: user } : null;
  }
}

@Injectable()
class SignedInGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToWs().getClient<Client>().identity != null;
  }
}

/** docs/identity.md and docs/commands.md: a guard on an overridden command, seeing the authenticator's identity. */
@SnorkyService('pubsub')
class MembersOnlyPubSub extends PubSubService {
  @UseGuards(SignedInGuard)
  override subscribe(params: ChannelParams, req: RpcRequest) {
    return super.subscribe(params, req);
  }
}

describe.each(HTTP_ADAPTERS)('a guard on an overridden command sees the identity from the authenticator (%s)', (adapter) => {
  it('refuses anonymous connections and lets signed-in ones subscribe', async () => {
    const server = await startSnorkyApp([MembersOnlyPubSub, SignedInGuard, HeaderAuthenticator], { frontend: { authenticator: HeaderAuthenticator } }, { adapter });
    const anonymous = await TestSocket.open(server.wsUrl);
    const member = await TestSocket.open(server.wsUrl, { headers: { 'X-User': 'ada' } });
    try {
      expect((await anonymous.call('pubsub', 'subscribe', { channel: 'news' }, 1)).message).toEqual({ type: 'error', callId: 1, message: 'Not authorized' });
      expect((await member.call('pubsub', 'subscribe', { channel: 'news' }, 1)).message).toEqual({ type: 'response', callId: 1, data: null });
      expect(server.app.get(MembersOnlyPubSub).broker.localSubscriberCount('pubsub:pubsub:"news"')).toBe(1);
    } finally {
      anonymous.close();
      member.close();
      await server.close();
    }
  });
});
