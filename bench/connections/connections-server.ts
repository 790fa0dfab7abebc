/**
 * One server under test for bench:connections, in its own process so its memory is its own:
 * `ws` (a bare ws server keeping a channel → sockets map), `snorky` (a Nest app with SnorkyModule
 * and PubSub, metrics on) or `socketio` (Socket.IO rooms, WebSocket transport only).
 * Tells its port over IPC; on "measure" collects garbage and answers process.memoryUsage().
 */
import 'reflect-metadata';
import * as http from 'http';
import type { AddressInfo } from 'net';

type Kind = 'ws' | 'snorky' | 'socketio';

async function bareWs(): Promise<number> {
  const { WebSocketServer } = await import('ws');
  const server = http.createServer();
  const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false });
  const channels = new Map<string, Set<unknown>>();
  wss.on('connection', (ws) => {
    const mine: string[] = [];
    ws.on('message', (data) => {
      const request = JSON.parse(data.toString());
      let set = channels.get(request.subscribe);
      if (!set) channels.set(request.subscribe, (set = new Set()));
      set.add(ws);
      mine.push(request.subscribe);
      ws.send('{"ok":true}');
    });
    ws.on('close', () => mine.forEach((c) => channels.get(c)?.delete(ws)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function snorky(): Promise<number> {
  const { NestFactory } = await import('@nestjs/core');
  const { Module } = await import('@nestjs/common');
  const { SnorkyModule, PubSubService } = await import('@snorky/nest');
  @Module({ imports: [SnorkyModule.forRoot({ frontend: { path: '/ws' }, backend: false })], providers: [PubSubService] })
  class BenchModule {}
  const app = await NestFactory.create(BenchModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  return (app.getHttpServer().address() as AddressInfo).port;
}

async function socketIo(): Promise<number> {
  const { Server } = await import('socket.io');
  const server = http.createServer();
  const io = new Server(server, { transports: ['websocket'], serveClient: false });
  io.on('connection', (socket) => {
    socket.on('subscribe', (channel: string, ack: () => void) => {
      socket.join(channel);
      ack();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function main(): Promise<void> {
  const kind = process.argv[2] as Kind;
  const port = await { ws: bareWs, snorky, socketio: socketIo }[kind]();
  process.on('message', (message) => {
    if (message === 'exit') process.exit(0);
    if (message !== 'measure') return;
    for (let i = 0; i < 3; i++) global.gc!();
    process.send!({ memory: process.memoryUsage() });
  });
  process.send!({ port });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
