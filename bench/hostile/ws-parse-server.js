// Baseline for bench:hostile: the least a JSON WebSocket server can do with a frame — JSON.parse it
// and answer a reply envelope — on bare `ws`, with the same 1 MiB payload limit as Snorky's default.
const { WebSocketServer } = require('ws');

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    let value;
    try {
      value = JSON.parse(data.toString('utf8'));
    } catch {
      return;
    }
    const callId = value && value.message && value.message.callId;
    ws.send(JSON.stringify({ service: 'pubsub', message: { type: 'response', callId, data: null } }));
  });
});
wss.on('listening', () => console.log(`listening on ws://127.0.0.1:${wss.address().port}/`));
process.on('SIGTERM', () => process.exit(0));
