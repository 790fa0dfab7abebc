import { Injectable, Logger, UseGuards } from '@nestjs/common';
import { PubSubService, SnorkyService } from '@snorky/nest';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { RunningSnorkyApp, startSnorkyApp } from '../support/snorky-app';
import { TestSocket } from '../support/ws-client';
import {
  BareService,
  ClassLevelService,
  DoubleAPipe,
  GuardedService,
  ParamsGuard,
  ran,
  seen,
  TeapotFilter,
  WrapInterceptor,
} from './guarded.services';

async function callOver(socket: TestSocket, service: string, command: string, params: object): Promise<any> {
  return (await socket.call(service, command, params, 1)).message;
}

/** Issue 15 item 1: guards, interceptors, pipes and filters on @RpcCommand, over a real WebSocket. */
describe('Nest pipeline on commands', () => {
  let server: RunningSnorkyApp;
  let socket: TestSocket;

  beforeAll(async () => {
    server = await startSnorkyApp([GuardedService, ClassLevelService, BareService]);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    socket = await TestSocket.open(server.wsUrl);
    seen.length = 0;
    ran.length = 0;
  });
  afterEach(() => socket.close());

  describe('guards', () => {
    it('a method guard returning false answers Not authorized and the command does not run', async () => {
      expect(await callOver(socket, 'guarded', 'secret', { allow: false })).toEqual({ type: 'error', callId: 1, message: 'Not authorized' });
      expect(ran).toEqual([]);
      expect(await callOver(socket, 'guarded', 'secret', { allow: true })).toEqual({ type: 'response', callId: 1, data: 'the secret' });
      expect(ran).toEqual(['secret']);
    });

    it("sees a 'ws' context: the Snorky client, the params, the command name, the request", async () => {
      await callOver(socket, 'guarded', 'secret', { allow: true });
      expect(seen[0]).toMatchObject({
        type: 'ws',
        transport: 'websocket',
        data: { allow: true },
        pattern: 'secret',
        requestCommand: 'secret',
        handler: 'secret',
        class: 'GuardedService',
      });
      expect(seen[0].clientId).toMatch(/^ws-/);
    });

    it('a guard reading metadata and the identity protects the command', async () => {
      expect(await callOver(socket, 'guarded', 'adminOnly', {})).toMatchObject({ type: 'error', message: 'Not authorized' });
      expect(ran).toEqual([]);
    });

    it('a guard throwing UnauthorizedException answers Not authorized', async () => {
      expect(await callOver(socket, 'guarded', 'never', {})).toMatchObject({ type: 'error', message: 'Not authorized' });
      expect(ran).toEqual([]);
    });

    it('runs before params validation: an unauthorized call never learns whether its params were valid', async () => {
      expect(await callOver(socket, 'classLevel', 'echo', { allow: false, junk: 1 })).toMatchObject({ message: 'Not authorized' });
    });

    it('an async guard keeps replies matched to their calls while other commands answer meanwhile', async () => {
      socket.send({ service: 'guarded', message: { command: 'secret', params: { allow: true }, callId: 'slow' } });
      socket.send({ service: 'guarded', message: { command: 'plain', params: { a: 1, b: 2 }, callId: 'fast' } });
      const first = await socket.next();
      const second = await socket.next();
      expect(first.message).toEqual({ type: 'response', callId: 'fast', data: 3 });
      expect(second.message).toEqual({ type: 'response', callId: 'slow', data: 'the secret' });
    });
  });

  it('a method interceptor transforms the result and sees the ws context', async () => {
    expect(await callOver(socket, 'guarded', 'wrapped', { a: 1, b: 2 })).toMatchObject({ data: { wrapped: 3 } });
    expect(seen).toContainEqual({ interceptorType: 'ws', pattern: 'wrapped' });
  });

  describe('pipes', () => {
    it('a method pipe receives the validated DTO (type body) and its output is the argument', async () => {
      expect(await callOver(socket, 'guarded', 'piped', { a: 5, b: 1 })).toMatchObject({ data: 11 });
      expect(seen).toContainEqual({ pipeType: 'body', metatype: 'SumParams', isDto: true });
    });

    it('a BadRequestException from a pipe answers Invalid params', async () => {
      expect(await callOver(socket, 'guarded', 'piped', { a: -1, b: 1 })).toMatchObject({ type: 'error', message: 'Invalid params' });
    });

    it('class-validator params keep answering Invalid params, pipes or not', async () => {
      expect(await callOver(socket, 'guarded', 'piped', { a: 'x', b: 1 })).toMatchObject({ message: 'Invalid params' });
      expect(await callOver(socket, 'guarded', 'wrapped', { a: 1 })).toMatchObject({ message: 'Invalid params' });
      expect(await callOver(socket, 'bare', 'sum', { a: 1, b: 2, c: 3 })).toMatchObject({ message: 'Invalid params' });
    });
  });

  describe('wire mapping', () => {
    let logged: jest.SpyInstance;
    beforeEach(() => (logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined)));
    afterEach(() => logged.mockRestore());

    it.each([
      ['rpc', 'Out of stock'],
      ['ws', 'Room is full'],
      ['forbidden', 'Not authorized'],
      ['unauthorized', 'Not authorized'],
      ['badRequest', 'Invalid params'],
    ])('%s exception → %s, not logged as a failure', async (kind, text) => {
      expect(await callOver(socket, 'guarded', 'throws', { kind })).toEqual({ type: 'error', callId: 1, message: text });
      expect(logged).not.toHaveBeenCalled();
    });

    it('anything else → Internal error, logged with its stack', async () => {
      expect(await callOver(socket, 'guarded', 'throws', { kind: 'other' })).toMatchObject({ message: 'Internal error' });
      expect(logged).toHaveBeenCalledWith('guarded.throws failed', expect.stringContaining('Error: boom\n    at '));
    });

    it('a method exception filter replaces the error text', async () => {
      expect(await callOver(socket, 'guarded', 'teapot', {})).toMatchObject({ type: 'error', message: 'I am a teapot (teapot): short and stout' });
    });

    it('a filter whose @Catch does not match leaves the default mapping', async () => {
      expect(await callOver(socket, 'guarded', 'notATeapot', {})).toMatchObject({ message: 'Internal error' });
    });
  });

  it('class-level guard, interceptor, pipe and filter apply to every command of the service', async () => {
    expect(await callOver(socket, 'classLevel', 'echo', { allow: false })).toMatchObject({ message: 'Not authorized' });
    expect(await callOver(socket, 'classLevel', 'echo', { allow: true, text: 'hi' })).toMatchObject({ data: { wrapped: 'HI' } });
    expect(await callOver(socket, 'classLevel', 'echo', { allow: true, text: 'teapot' })).toMatchObject({
      message: 'I am a teapot (echo): class filter',
    });
  });

  it('global enhancers do not reach commands by default (Nest gateway rule)', async () => {
    const app = await startSnorkyApp([BareService, { provide: APP_GUARD, useClass: ParamsGuard }, { provide: APP_FILTER, useClass: TeapotFilter }], {}, {
      configure: (a) => {
        a.useGlobalInterceptors(new WrapInterceptor());
        a.useGlobalPipes(new DoubleAPipe());
      },
    });
    try {
      const s = await TestSocket.open(app.wsUrl);
      expect(await callOver(s, 'bare', 'add', { a: 1, b: 2 })).toMatchObject({ data: 3 });
      expect(await callOver(s, 'bare', 'teapot', {})).toMatchObject({ message: 'Internal error' });
      s.close();
    } finally {
      await app.close();
    }
  });
});

describe('Nest pipeline on commands with globalEnhancers: true', () => {
  it.each([
    ['APP_* providers', 'providers'],
    ['useGlobal*', 'useGlobal'],
  ])('applies the global guard, interceptor, pipe and filter (%s)', async (_label, how) => {
    const providers =
      how === 'providers'
        ? [
            { provide: APP_GUARD, useClass: ParamsGuard },
            { provide: APP_INTERCEPTOR, useClass: WrapInterceptor },
            { provide: APP_PIPE, useClass: DoubleAPipe },
            { provide: APP_FILTER, useClass: TeapotFilter },
          ]
        : [];
    const app = await startSnorkyApp([BareService, ...providers], { globalEnhancers: true }, {
      configure: (a) => {
        if (how !== 'useGlobal') return;
        a.useGlobalGuards(new ParamsGuard(a.get(require('@nestjs/core').Reflector)));
        a.useGlobalInterceptors(new WrapInterceptor());
        a.useGlobalPipes(new DoubleAPipe());
        a.useGlobalFilters(new TeapotFilter());
      },
    });
    const socket = await TestSocket.open(app.wsUrl);
    try {
      expect(await callOver(socket, 'bare', 'add', { a: 1, b: 2 })).toMatchObject({ message: 'Not authorized' });
      // guard passes, the pipe doubles a, the interceptor wraps the result
      expect(await callOver(socket, 'bare', 'add', { a: 1, b: 2, allow: true })).toMatchObject({ data: { wrapped: 4 } });
      expect(await callOver(socket, 'bare', 'teapot', { allow: true })).toMatchObject({ message: 'I am a teapot (teapot): global filter' });
    } finally {
      socket.close();
      await app.close();
    }
  });
});

/** A guard that takes its time, as one that looks a session up in a database. */
@Injectable()
class SlowGuard {
  canActivate(): Promise<boolean> {
    return new Promise((resolve) => setTimeout(() => resolve(true), 150));
  }
}

@SnorkyService('slowPubsub')
class SlowGuardedPubSub extends PubSubService {
  @UseGuards(SlowGuard)
  override async subscribe(params: any, req: any) {
    return super.subscribe(params, req);
  }
}

describe('a command whose async guard is still deciding when the connection closes', () => {
  it('does not run: the closed client is not subscribed behind the disconnect hook', async () => {
    const server = await startSnorkyApp([SlowGuardedPubSub, SlowGuard]);
    try {
      const socket = await TestSocket.open(server.wsUrl);
      socket.send({ service: 'slowPubsub', message: { command: 'subscribe', params: { channel: 'c' }, callId: 1 } });
      await new Promise((resolve) => setTimeout(resolve, 30));
      socket.close();
      await new Promise((resolve) => setTimeout(resolve, 300)); // the guard has answered by now
      const pubsub = server.app.get(SlowGuardedPubSub);
      expect(pubsub.broker.localSubscriberCount('pubsub:slowPubsub:"c"')).toBe(0);
      expect((pubsub as any).subscriptions.size).toBe(0);
      // and an open connection still gets its subscription once the guard allows it
      const open = await TestSocket.open(server.wsUrl);
      expect((await open.call('slowPubsub', 'subscribe', { channel: 'c' }, 2)).message).toEqual({ type: 'response', callId: 2, data: null });
      expect((pubsub as any).subscriptions.size).toBe(1);
      open.close();
    } finally {
      await server.close();
    }
  });
});
