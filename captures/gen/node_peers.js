// SPDX-License-Identifier: GPL-2.0-or-later
// Scenarios with node ws on loopback. Usage: node node_peers.js SCENARIO PORT [MANIFEST]
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
} else if (scenario === 'deflate-no-context') {
  // permessage-deflate without context takeover on both sides and no size threshold: each
  // message is compressed on its own; the last text carries an invalid UTF-8 sequence that ws
  // refuses (close 1007), and the client's messages repeat so takeover would have mattered.
  const pmd = { serverNoContextTakeover: true, clientNoContextTakeover: true, threshold: 0 };
  const wss = new WebSocket.Server({ host: '127.0.0.1', port, perMessageDeflate: pmd }, () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/nctx`, { perMessageDeflate: pmd });
    ws.on('open', () => {
      for (let i = 0; i < 3; i++) ws.send('the same sentence, again and again. '.repeat(5));
      ws.send(Buffer.from('bytes as binary'));
      setTimeout(() => ws.send(Buffer.from([0x68, 0x69, 0xc3, 0x28]), { binary: false }), 100);
    });
    ws.on('close', () => wss.close());
  });
  wss.on('connection', (sock) => {
    sock.on('error', () => {}); // ws closes with 1007 itself; the error needs a handler
    sock.on('message', (data, isBinary) => sock.send(data, { binary: isBinary }));
  });
} else if (scenario === 'deflate-takeover') {
  // permessage-deflate with context takeover (node ws defaults) and no threshold: repeated
  // texts and binaries, echoed; the SHA-1 of every message goes to the manifest (argv[4])
  const crypto = require('crypto');
  const fs = require('fs');
  const pmd = { threshold: 0 };
  const msgs = [];
  for (const n of [16, 300, 5000, 70000]) {
    msgs.push('{"seq": 1, "text": "context takeover makes this cheap"} '.repeat(n / 50 + 1).slice(0, n));
    msgs.push(Buffer.from(Array.from({ length: n }, (_, i) => (i * 7) & 0xff)));
  }
  const manifest = [];
  const wss = new WebSocket.Server({ host: '127.0.0.1', port, perMessageDeflate: pmd }, () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/takeover`, { perMessageDeflate: pmd });
    let i = 0;
    const next = () => {
      if (i === msgs.length) { ws.close(1000, 'done'); return; }
      const m = msgs[i++];
      const h = crypto.createHash('sha1').update(m).digest('hex');
      manifest.push('c2s ' + h, 's2c ' + h);
      ws.send(m);
    };
    ws.on('open', next);
    ws.on('message', next);
    ws.on('close', () => {
      fs.writeFileSync(process.argv[4], manifest.sort().join('\n') + '\n');
      wss.close();
    });
  });
  wss.on('connection', (sock) => {
    sock.on('message', (data, isBinary) => sock.send(data, { binary: isBinary }));
  });
} else if (scenario === 'close-codes') {
  // node ws asked to close with 1005, 1006, 1015 (one connection each, path /CODE): whether it
  // sends or refuses goes to the manifest (argv[4]) as "ws CODE sent|refused: ERROR"
  const fs = require('fs');
  const manifest = process.argv[4];
  const codes = [1005, 1006, 1015];
  const wss = new WebSocket.Server({ host: '127.0.0.1', port, perMessageDeflate: false }, next);
  setTimeout(() => process.exit(0), 3000); /* a refused close leaves the socket open */
  wss.on('connection', (sock, req) => {
    const code = Number(req.url.slice(1));
    try {
      sock.close(code);
      fs.appendFileSync(manifest, `ws ${code} sent\n`);
    } catch (e) {
      fs.appendFileSync(manifest, `ws ${code} refused: ${e.name}: ${e.message}\n`);
      sock.close();
    }
  });
  function next() {
    const code = codes.shift();
    if (code === undefined) { wss.close(); return; }
    const ws = new WebSocket(`ws://127.0.0.1:${port}/${code}`, { perMessageDeflate: false });
    ws.on('error', () => {});
    ws.on('open', () => setTimeout(next, 300));
  }
} else if (scenario === 'wss-text-to-binary') {
  // the binary-only 1003 story over wss:// (TLS 1.3, node's defaults); the client's TLS secrets
  // go to a key log from the 'keylog' event (argv[4]: certificate folder, argv[5]: key log)
  const fs = require('fs');
  const https = require('https');
  const [certs, keylog] = process.argv.slice(4);
  const server = https.createServer({
    cert: fs.readFileSync(`${certs}/good.chain.pem`),
    key: fs.readFileSync(`${certs}/good.key`),
  });
  const wss = new WebSocket.Server({ server, perMessageDeflate: false });
  wss.on('connection', (sock) => {
    sock.on('message', (data, isBinary) => {
      if (!isBinary) sock.close(1003, 'binary only');
      else sock.send(data, { binary: true });
    });
  });
  server.listen(port, '127.0.0.1', () => {
    const agent = new https.Agent({ ca: fs.readFileSync(`${certs}/root.pem`) });
    agent.on('keylog', (line) => fs.appendFileSync(keylog, line));
    const ws = new WebSocket(`wss://localhost:${port}/bin`, { perMessageDeflate: false, agent });
    ws.on('open', () => {
      ws.send(Buffer.from([1, 2, 3, 4]));
      setTimeout(() => ws.send('this is text'), 100);
    });
    ws.on('close', () => { wss.close(); server.close(); });
  });
} else if (scenario === 'wss-client-verify') {
  // a node ws client that verifies the server's certificate (the default) against a server
  // whose certificate it must reject: argv CERTDIR TLS_VERSION ("1_2" or "1_3")
  const fs = require('fs');
  const [certs, v] = process.argv.slice(4);
  const version = v === '1_2' ? 'TLSv1.2' : 'TLSv1.3';
  const ws = new WebSocket(`wss://localhost:${port}/`, {
    ca: fs.readFileSync(`${certs}/root.pem`), minVersion: version, maxVersion: version,
    handshakeTimeout: 5000,
  });
  ws.on('error', (e) => console.error('node ws client: ' + e.message));
  ws.on('close', (code) => { console.error('node ws client: close ' + code); process.exit(0); });
} else {
  console.error('unknown scenario ' + scenario);
  process.exit(2);
}
