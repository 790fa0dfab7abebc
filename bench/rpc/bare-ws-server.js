// Baseline (a) for bench:rpc: a bare `ws` server that parses the Snorky request, adds, and answers the
// Snorky reply. Nothing else: no validation, no routing table, no framework.
const { WebSocketServer } = require('ws');

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const { service, message } = JSON.parse(data);
    const { number1, number2 } = message.params;
    ws.send(JSON.stringify({ service, message: { type: 'response', callId: message.callId, data: number1 + number2 } }));
  });
});
wss.on('listening', () => console.log(`listening on ws://127.0.0.1:${wss.address().port}/`));
process.on('SIGTERM', () => process.exit(0));
