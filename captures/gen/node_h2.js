// SPDX-License-Identifier: GPL-2.0-or-later
// WebSocket over HTTP/2 (RFC 8441) with Node's http2 module (issue 20): a server with
// settings.enableConnectProtocol, a client sending the extended CONNECT. Node has no WebSocket
// framing of its own for a stream, so the few frames are written and read here (RFC 6455 §5.2):
// the client masks, the server does not.
//
// Usage: node node_h2.js SCENARIO PORT [CERT_DIR KEYLOG]
//   h2c-1003   cleartext: two WebSocket streams and a GET; on the text-only one the client
//              sends text, then binary: the server closes it with 1003; the echo one closes 1000
//   tls-1003   the same inside TLS with ALPN h2, the client's secrets appended to KEYLOG
'use strict';
const http2 = require('http2');
const crypto = require('crypto');
const fs = require('fs');

const [scenario, portArg, certs, keylog] = process.argv.slice(2);
const port = Number(portArg);
const tls = scenario.startsWith('tls-');

function frame(opcode, payload, mask) {
  const len = payload.length;
  const head = [0x80 | opcode];
  if (len < 126) head.push((mask ? 0x80 : 0) | len);
  else head.push((mask ? 0x80 : 0) | 126, len >> 8, len & 0xff);
  if (!mask) return Buffer.concat([Buffer.from(head), payload]);
  const key = crypto.randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= key[i % 4];
  return Buffer.concat([Buffer.from(head), key, body]);
}

// whole frames out of a stream's bytes (small frames only: enough for these scenarios)
function reader(onFrame) {
  let buf = Buffer.alloc(0);
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return;
      const masked = buf[1] & 0x80;
      let len = buf[1] & 0x7f, off = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
      const need = off + (masked ? 4 : 0) + len;
      if (buf.length < need) return;
      let payload = buf.subarray(off + (masked ? 4 : 0), need);
      if (masked) {
        const key = buf.subarray(off, off + 4);
        payload = Buffer.from(payload);
        for (let i = 0; i < payload.length; i++) payload[i] ^= key[i % 4];
      }
      onFrame(buf[0] & 0x0f, payload);
      buf = buf.subarray(need);
    }
  };
}

function closePayload(code, reason) {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code);
  return Buffer.concat([b, Buffer.from(reason)]);
}

function serve() {
  const settings = { enableConnectProtocol: true };
  const onStream = (stream, headers) => {
    if (headers[':method'] !== 'CONNECT') {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.end('plain request on an HTTP/2 connection that also carries WebSockets\n');
      return;
    }
    stream.respond({ ':status': 200 });
    const textOnly = headers[':path'] === '/text';
    let closed = false;
    stream.on('data', reader((op, payload) => {
      if (op === 0x1) stream.write(frame(0x1, payload, false));
      else if (op === 0x2 && textOnly && !closed) {
        closed = true;
        stream.write(frame(0x8, closePayload(1003, 'text only, please'), false));
      } else if (op === 0x2) stream.write(frame(0x2, payload, false));
      else if (op === 0x8) {
        if (!closed) stream.write(frame(0x8, payload, false));
        closed = true;
        stream.end();
      }
    }));
    stream.on('error', () => {});
  };
  const server = tls
    ? http2.createSecureServer({ key: fs.readFileSync(`${certs}/good.key`),
                                 cert: fs.readFileSync(`${certs}/good.chain.pem`), settings })
    : http2.createServer({ settings });
  server.on('stream', onStream);
  server.listen(port, '127.0.0.1');
  return server;
}

function client(done) {
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const opts = tls ? { ca: fs.readFileSync(`${certs}/root.pem`), servername: 'localhost' } : {};
  const session = http2.connect(url, opts);
  if (tls) session.socket.on('keylog', (line) => fs.appendFileSync(keylog, line));
  session.on('remoteSettings', (s) => {
    if (!s.enableConnectProtocol || session.started) return;
    session.started = true;
    const open = (path) => session.request({
      ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': tls ? 'https' : 'http',
      ':path': path, ':authority': `127.0.0.1:${port}`, 'sec-websocket-version': '13',
      origin: 'http://127.0.0.1' }, { endStream: false });
    const text = open('/text');
    const echo = open('/echo');
    let pending = 2;
    const finished = () => { if (--pending === 0) session.close(done); };
    for (const s of [text, echo]) s.on('close', finished);
    text.on('response', () => {
      text.write(frame(0x1, Buffer.from('hello over h2'), true));
      setTimeout(() => text.write(frame(0x2, Buffer.from([0, 1, 2, 3, 0xff]), true)), 100);
    });
    text.on('data', reader((op, payload) => {
      if (op === 0x8) { text.write(frame(0x8, payload, true)); text.end(); }
    }));
    echo.on('response', () => {
      echo.write(frame(0x2, Buffer.from('binary is fine here'), true));
      const get = session.request({ ':method': 'GET', ':path': '/status' });
      get.on('data', () => {});
      get.on('end', () => echo.write(frame(0x8, closePayload(1000, 'bye'), true)));
      get.end();
    });
    echo.on('data', reader((op) => { if (op === 0x8) echo.end(); }));
  });
}

const server = serve();
server.on('listening', () => client(() => setTimeout(() => server.close(), 200)));
setTimeout(() => process.exit(0), 8000).unref();
