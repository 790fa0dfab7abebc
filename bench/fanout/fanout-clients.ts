import WebSocket from 'ws';

/** How a benchmark talks to one server under test: subscribe a socket, publish a payload. */
export interface FanoutTarget {
  name: string;
  url: string;
  subscribeFrame: string;
  /** Frame whose delivery carries `payload` (a JSON string with a timestamp). */
  publishFrame(payload: string): string;
}

export interface Subscriber {
  ws: WebSocket;
  received: number;
  onFrame?: (data: Buffer) => void;
}

export async function openSockets(url: string, count: number): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  // Open in batches: 1000 simultaneous handshakes on 2 cores would only measure the accept queue.
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, () => new WebSocket(url, { perMessageDeflate: false }));
    await Promise.all(batch.map((ws) => new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); })));
    sockets.push(...batch);
  }
  return sockets;
}

/** Subscribes every socket and waits until the subscriptions are acknowledged (or settled, for the baseline). */
export async function subscribeAll(target: FanoutTarget, sockets: WebSocket[]): Promise<Subscriber[]> {
  const subscribers = sockets.map((ws) => ({ ws, received: 0 }) as Subscriber);
  await Promise.all(
    subscribers.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.ws.once('message', () => resolve());
          s.ws.send(target.subscribeFrame);
          if (target.name === 'bare ws') setTimeout(resolve, 0);
        }),
    ),
  );
  await new Promise((r) => setTimeout(r, 200));
  for (const s of subscribers) {
    s.ws.removeAllListeners('message');
    s.ws.on('message', (data: Buffer) => {
      s.received++;
      s.onFrame?.(data);
    });
  }
  return subscribers;
}
