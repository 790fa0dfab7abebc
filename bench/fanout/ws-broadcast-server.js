// Baseline for bench:fanout: the bare `ws` broadcast server of the ws README, plus a "subscribe"
// frame so only subscribers receive (like a pub/sub channel). Nothing else: no envelope, no RPC.
const { WebSocketServer, WebSocket } = require('ws');

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
const subscribers = new Set();
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    if (data.length === 3 && data.toString() === 'sub') return void subscribers.add(ws);
    for (const client of subscribers) {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    }
  });
  ws.on('close', () => subscribers.delete(ws));
});
wss.on('listening', () => console.log(`listening on ws://127.0.0.1:${wss.address().port}/`));
process.on('SIGTERM', () => process.exit(0));
