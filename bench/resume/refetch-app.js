// Stands in for the web app in bench:resume's refetch baseline: what a client does today after
// subscriptionLost is GET its view again. GET /rows?owner=K answers the owner's rows as JSON with a
// fresh DataSync token, authorized over Snorky's backend endpoint as a web app does. The rows come
// from memory, not a database, so the baseline is as cheap as a refetch can be.
// Usage: node refetch-app.js <backend url> <api key> <rows per owner>
const http = require('http');

const [backendUrl, apiKey, rowsArg] = process.argv.slice(2);
const rowsPerOwner = Number(rowsArg);
// A web app's connection pool to Snorky's backend endpoint.
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** Row `seq` of an owner: the same fields bench:resume publishes as deltas. */
const taskRow = (owner, seq) => ({ id: owner * 1000 + seq, owner, title: `task ${seq} of ${owner}`, done: false, seq });

function authorize(owner) {
  const body = JSON.stringify({
    service: 'datasync_backend',
    message: { command: 'authorizeSubscription', params: { items: [{ dealer: 'TasksByOwner', query: owner }] } },
  });
  return new Promise((resolve, reject) => {
    const req = http.request(backendUrl, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'X-Backend-Key': apiKey } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        const reply = JSON.parse(text).message;
        if (reply.type === 'response') resolve(reply.data);
        else reject(new Error(`authorizeSubscription: ${text}`));
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const server = http.createServer(async (req, res) => {
  const owner = Number(new URL(req.url, 'http://app').searchParams.get('owner'));
  try {
    const token = await authorize(owner);
    const rows = Array.from({ length: rowsPerOwner }, (_, seq) => taskRow(owner, seq));
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token, rows }));
  } catch (err) {
    res.writeHead(500).end(String(err));
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}/`));
process.on('SIGTERM', () => process.exit(0));
