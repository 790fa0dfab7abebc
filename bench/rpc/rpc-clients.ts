import { io, Socket } from 'socket.io-client';
import WebSocket from 'ws';

/** One client connection of bench:rpc: sends `sum` calls tagged with an id, reports each reply's id. */
export interface RpcConnection {
  send(id: number): void;
  onReply: (id: number) => void;
  close(): void;
}

export interface RpcTarget {
  name: string;
  open(): Promise<RpcConnection>;
}

function openWebSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** A target speaking over a plain WebSocket: `frame(id)` is the request, `replyId(reply)` finds its id. */
function wsTarget(name: string, url: string, frame: (id: number) => string, replyId: (reply: any) => number): RpcTarget {
  return {
    name,
    async open() {
      const ws = await openWebSocket(url);
      const connection: RpcConnection = {
        send: (id) => ws.send(frame(id)),
        onReply: () => undefined,
        close: () => ws.terminate(),
      };
      ws.on('message', (data) => connection.onReply(replyId(JSON.parse(data.toString()))));
      return connection;
    },
  };
}

const PARAMS = '"number1":1,"number2":2';

/** Snorky's wire format (the bare server speaks it too): the seed calculator's `sum`. */
export function snorkyTarget(name: string, url: string, service: string): RpcTarget {
  return wsTarget(name, url, (id) => `{"service":"${service}","message":{"command":"sum","params":{${PARAMS}},"callId":${id}}}`, (r) => r.message.callId);
}

/** @nestjs/platform-ws's format: `{ event, data }` both ways; the id travels in the data. */
export function gatewayTarget(name: string, url: string, event: string): RpcTarget {
  return wsTarget(name, url, (id) => `{"event":"${event}","data":{"id":${id},${PARAMS}}}`, (r) => r.data.id);
}

/** Socket.IO 4: `emit('sum', params, ack)`. */
export function socketIoTarget(name: string, url: string): RpcTarget {
  return {
    name,
    async open() {
      const socket: Socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const connection: RpcConnection = {
        send: (id) => socket.emit('sum', { number1: 1, number2: 2 }, () => connection.onReply(id)),
        onReply: () => undefined,
        close: () => socket.disconnect(),
      };
      return connection;
    },
  };
}
