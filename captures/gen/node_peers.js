// Scenarios with node ws on loopback. Usage: node node_peers.js SCENARIO PORT
'use strict';
const WebSocket = require('ws');
const [scenario, portArg] = process.argv.slice(2);
const port = Number(portArg);

if (scenario === 'text-to-binary-server') {
  // A binary-only endpoint closes with 1003 when it receives text (RFC 6455 §7.4.1).
  const wss = new WebSocket.Server({ host: '127.0.0.1', port, perMessageDeflate: false }, () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/bin`, { perMessageDeflate: false });
    ws.on('open', () => {
      ws.send(Buffer.from([1, 2, 3, 4]));
      setTimeout(() => ws.send('this is text'), 100);
    });
    ws.on('close', () => wss.close());
  });
  wss.on('connection', (sock) => {
    sock.on('message', (data, isBinary) => {
      if (!isBinary) sock.close(1003, 'binary only');
      else sock.send(data, { binary: true });
    });
  });
} else {
  console.error('unknown scenario ' + scenario);
  process.exit(2);
}
