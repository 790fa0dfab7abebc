import { Injectable, Provider, Scope, UseGuards } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { BroadcastDealer, Dealer, DataSyncService, PubSubService, RpcCommand, RpcService, SnorkyModule, SnorkyService } from '@snorky/nest';
import { startSnorkyApp } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';
import { ParamsGuard } from './guarded.services';

/** Issue 10 "Module shape" and issue 15 item 2: mistakes in services fail start-up, with the reason. */
async function startUp(providers: Provider[]): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [SnorkyModule.forRoot({ frontend: { path: '/ws' }, backend: false })],
    providers,
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  try {
    await app.init();
  } finally {
    await app.close().catch(() => undefined);
  }
}

@SnorkyService('twice')
class TwoCommandsOneName extends RpcService {
  @RpcCommand({ name: 'go' })
  first(): number {
    return 1;
  }

  @RpcCommand({ name: 'go' })
  second(): number {
    return 2;
  }
}

@SnorkyService('same')
class SameNameA extends RpcService {}

@SnorkyService('same')
class SameNameB extends RpcService {}

@SnorkyService('perRequest')
@Injectable({ scope: Scope.REQUEST })
class RequestScopedService extends RpcService {}

@Injectable({ scope: Scope.TRANSIENT })
@SnorkyService('perUse')
class TransientService extends RpcService {}

@Injectable({ scope: Scope.REQUEST })
class RequestScopedDependency {}

@SnorkyService('implicit')
class ImplicitlyRequestScopedService extends RpcService {
  constructor(readonly dependency: RequestScopedDependency) {
    super();
  }
}

@Dealer()
@Injectable({ scope: Scope.TRANSIENT })
class TransientDealer extends BroadcastDealer {
  readonly model = 'Item';
}

describe('start-up checks', () => {
  it('two @RpcCommands with one name in one service fail start-up', async () => {
    await expect(startUp([TwoCommandsOneName])).rejects.toThrow(
      'TwoCommandsOneName declares the command "go" twice (methods first and second)',
    );
  });

  it('two services with one name in a registry fail start-up', async () => {
    await expect(startUp([SameNameA, SameNameB])).rejects.toThrow('Two Snorky services are named "same" in the frontend registry');
  });

  it.each([
    [RequestScopedService, 'Service RequestScopedService is request-scoped'],
    [TransientService, 'Service TransientService is transient-scoped'],
    [[ImplicitlyRequestScopedService, RequestScopedDependency], 'Service ImplicitlyRequestScopedService is request-scoped through one of its dependencies'],
    [[DataSyncService, TransientDealer], 'Dealer TransientDealer is transient-scoped'],
  ])('a scoped service or dealer fails start-up saying why (%#)', async (providers, message) => {
    await expect(startUp([providers].flat() as Provider[])).rejects.toThrow(message);
    await expect(startUp([providers].flat() as Provider[])).rejects.toThrow('must be a singleton');
  });
});

/** A PubSub whose `publish` is overridden without repeating @RpcCommand: it stays a command, guard included. */
@SnorkyService('guardedPubsub')
class GuardedPubSub extends PubSubService {
  @UseGuards(ParamsGuard)
  override async publish(params: any, req: any): Promise<void> {
    const { allow: _allow, ...rest } = params;
    return super.publish(rest, req);
  }

  override unsubscribe(params: any, req: any): void {
    super.unsubscribe(params, req);
  }
}

describe('overriding a command in a subclass', () => {
  it('keeps it a command (metadata inherited), with the enhancers declared on the override', async () => {
    const server = await startSnorkyApp([GuardedPubSub]);
    const socket = await TestSocket.open(server.wsUrl);
    try {
      expect((await socket.call('guardedPubsub', 'subscribe', { channel: 'c' }, 1)).message).toEqual({ type: 'response', callId: 1, data: null });
      expect((await socket.call('guardedPubsub', 'publish', { channel: 'c', message: 'hi' }, 2)).message).toMatchObject({ message: 'Not authorized' });
      socket.send({ service: 'guardedPubsub', message: { command: 'publish', params: { channel: 'c', message: 'hi', allow: true }, callId: 3 } });
      const frames = [await socket.next(), await socket.next()].map((f) => f.message);
      expect(frames).toContainEqual({ type: 'message', channel: 'c', message: 'hi' });
      expect(frames).toContainEqual({ type: 'response', callId: 3, data: null });
      // undecorated override (no paramtypes of its own): params still bound as the base command's DTO
      expect((await socket.call('guardedPubsub', 'unsubscribe', { channel: 'c' }, 4)).message).toEqual({ type: 'response', callId: 4, data: null });
      expect((await socket.call('guardedPubsub', 'unsubscribe', { channel: 'c', junk: 1 }, 5)).message).toMatchObject({ message: 'Invalid params' });
    } finally {
      socket.close();
      await server.close();
    }
  });
});
