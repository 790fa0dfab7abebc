// Baseline (c) for bench:rpc: Socket.IO 4, `sum` answered through the acknowledgement callback.
const { createServer } = require('http');
const { Server } = require('socket.io');

const http = createServer();
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false });
io.on('connection', (socket) => {
  socket.on('sum', (params, ack) => ack(params.number1 + params.number2));
});
http.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${http.address().port}`));
process.on('SIGTERM', () => process.exit(0));
