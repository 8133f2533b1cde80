// HTTPS end to end: tools/make-local-ca.sh makes a CA and a server
// certificate, aisled serves with them, and a client that trusts only that
// CA signs in over TLS. A client that does not trust the CA is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

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

  // Without the local CA the certificate is not trusted.
  await assert.rejects(request(port, 'GET', '/healthz'), /self-signed|unable to verify|certificate/i);
  server.kill('SIGTERM');
  const code = await new Promise((r) => server.on('exit', r));
  assert.equal(code, 0);
});
