// Shared helpers for the black-box API tests (not a test file itself: node --test skips it).
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { client } from '../lib/server.mjs';

export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

let seq = 0;
/** A name that no other test (or run) uses. */
export const uniq = (p = 't') => `${p}${process.pid.toString(36)}${Date.now().toString(36)}${(seq++).toString(36)}`;

/** client() whose responses remember the request, so failures say what was sent. */
export function api(base, opts) {
  const c = client(base, opts);
  const orig = c.request;
  c.request = async (method, path, body, o) => {
    const r = await orig(method, path, body, o);
    r.req = `${method} ${path}`;
    return r;
  };
  return c;
}

/** Bearer-token client for USERNAME on server S. */
export const tokenClient = (s, username) => api(s.url, { token: s.token(username) });

/** Cookie-session client signed in as USERNAME. */
export async function loginClient(s, username, password) {
  const c = api(s.url);
  const r = await c.login(username, password);
  assert.equal(r.status, 201, `sign-in as ${username} → ${r.status} ${r.text}`);
  return c;
}

export const show = (r) => `${r.req || ''} → ${r.status} ${String(r.text).slice(0, 400)}`;

/** Assert status (and return the body). */
export function ok(r, status) {
  assert.equal(r.status, status, show(r));
  return r.body;
}

/** Assert a JSON error reply: status, error.code (string or list) and, if given, error.field. */
export function err(r, status, code, field) {
  assert.equal(r.status, status, show(r));
  assert.ok(r.body && r.body.error && typeof r.body.error === 'object', `no JSON error body: ${show(r)}`);
  const codes = Array.isArray(code) ? code : [code];
  if (code !== undefined && code !== null) assert.ok(codes.includes(r.body.error.code), `error.code ${r.body.error.code}, want ${codes.join('|')}: ${show(r)}`);
  assert.equal(typeof r.body.error.message, 'string', `error.message missing: ${show(r)}`);
  if (field !== undefined) assert.equal(r.body.error.field, field, `error.field: ${show(r)}`);
}

/** Send exactly this request line/path over a raw socket (no URL normalisation). */
export function rawRequest(base, head, body = Buffer.alloc(0)) {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port), u.hostname);
    const chunks = [];
    sock.on('connect', () => { sock.write(head); if (body.length) sock.write(body); });
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', (e) => { if (chunks.length) finish(); else reject(e); });
    sock.on('end', finish);
    sock.setTimeout(10000, () => { sock.destroy(); finish(); });
    let done = false;
    function finish() {
      if (done) return; done = true;
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      const i = text.indexOf('\r\n\r\n');
      resolve({ status: m ? Number(m[1]) : 0, head: i >= 0 ? text.slice(0, i) : text, body: i >= 0 ? text.slice(i + 4) : '' });
    }
  });
}

/** GET PATH exactly as written (e.g. with ../) and return {status, head, body}. */
export const rawGet = (base, path) => rawRequest(base, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);

/**
 * POST a body with node:http, tolerating the server closing the connection while the body is
 * still being sent (what a server may do after answering 413 early).
 */
export function postBuffer(base, path, buf, headers = {}, { chunked = false } = {}) {
  const u = new URL(base + path);
  if (!chunked) headers = { 'content-length': buf.length, ...headers };
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'POST',
      headers }, (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      const done = () => { let body = null; try { body = JSON.parse(text); } catch { /* not JSON */ } resolve({ status: res.statusCode, headers: res.headers, body, text, req: `POST ${path} (${buf.length} bytes)` }); };
      res.on('end', done);
      res.on('error', done);
    });
    req.on('error', (e) => { if (!answered) reject(e); });
    // Headers first: a server may answer 413 from Content-Length alone; then the body.
    req.flushHeaders();
    setTimeout(() => { if (!answered) req.end(buf); }, 300);
  });
}

/** Ids of a list reply. */
export const ids = (list) => list.map((x) => x.id);
