// HTTPS end to end: tools/make-local-ca.sh makes a CA and a server
// certificate, aisled serves with them, and a client that trusts only that
// CA signs in over TLS and opens the live WebSocket (wss://, what a phone
// uses). A client that does not trust the CA is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import crypto from 'node:crypto';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

const repo = new URL('../..', import.meta.url).pathname;
const aisled = process.env.AISLED ?? path.join(repo, 'build/aisled');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Opens /api/v1/live?ticket=T as a WebSocket over TLS (a plain RFC 6455 handshake: Node 20 has no
// WebSocket client) and resolves with the first text message the server sends.
function firstLiveMessage(port, ca, ticket) {
  return new Promise((resolve, reject) => {
    const key = crypto.randomBytes(16).toString('base64');
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      socket.write(`GET /api/v1/live?ticket=${ticket} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n` +
                   `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    let data = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = data.subarray(0, end).toString();
      if (!head.startsWith('HTTP/1.1 101')) {
        socket.destroy();
        reject(new Error(head));
        return;
      }
      const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
      assert.match(head, new RegExp(`Sec-WebSocket-Accept: ${accept.replace(/[+/]/g, '\\$&')}`, 'i'));
      const frame = data.subarray(end + 4);
      if (frame.length < 2) return;
      let length = frame[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (frame.length < 4) return;
        length = frame.readUInt16BE(2);
        offset = 4;
      }
      if (frame.length < offset + length) return;
      assert.equal(frame[0], 0x81, 'a final text frame');
      socket.destroy();
      resolve(frame.subarray(offset, offset + length).toString());
    });
    socket.on('error', reject);
  });
}

function request(port, method, urlPath, { ca, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, method, path: urlPath, ca, servername: 'localhost',
        headers: body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode, body: data }));
      });
    req.on('error', reject);
    req.end(body);
  });
}

test('aisled serves HTTPS with a certificate from tools/make-local-ca.sh', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-tls-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  execFileSync(path.join(repo, 'tools/make-local-ca.sh'), ['--out', path.join(dir, 'certs'), '192.168.1.23'],
               { stdio: 'pipe' });
  const ca = fs.readFileSync(path.join(dir, 'certs/aisle-local-ca.crt'));
  const port = await freePort();
  const log = fs.openSync(path.join(dir, 'aisled.log'), 'a');
  const server = spawn(aisled, ['--demo', '--data-dir', path.join(dir, 'data'), '--bind', '127.0.0.1',
                                '--port', String(port), '--tls-cert', path.join(dir, 'certs/server.crt'),
                                '--tls-key', path.join(dir, 'certs/server.key')],
                       { stdio: ['ignore', log, log] });
  t.after(() => server.kill('SIGKILL'));

  let health;
  for (let i = 0; i < 300 && !health; i++) {
    try {
      health = await request(port, 'GET', '/healthz', { ca });
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  assert.ok(health, 'aisled did not answer over HTTPS:\n' + fs.readFileSync(path.join(dir, 'aisled.log'), 'utf8'));
  assert.equal(health.status, 200);

  const signIn = await request(port, 'POST', '/api/v1/sessions', {
    ca, body: JSON.stringify({ store_id: 'SH01', device_id: 'demo-device-1', staff_code: '1001', pin: '1111' }) });
  assert.equal(signIn.status, 201, signIn.body);
  assert.equal(JSON.parse(signIn.body).token.length, 64);

  // The live WebSocket over TLS: a ticket from an authenticated call, then wss:// with it.
  const token = JSON.parse(signIn.body).token;
  const ticket = await new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/live/tickets', ca,
                                servername: 'localhost', headers: { authorization: `Bearer ${token}` } },
                              (res) => {
                                let data = '';
                                res.on('data', (c) => (data += c));
                                res.on('end', () => resolve(JSON.parse(data).ticket));
                              });
    req.on('error', reject);
    req.end();
  });
  const hello = JSON.parse(await firstLiveMessage(port, ca, ticket));
  assert.equal(hello.type, 'hello');
  assert.equal(typeof hello.cursor, 'number');

  // Without the local CA the certificate is not trusted.
  await assert.rejects(request(port, 'GET', '/healthz'), /self-signed|unable to verify|certificate/i);
  server.kill('SIGTERM');
  const code = await new Promise((r) => server.on('exit', r));
  assert.equal(code, 0);
});
