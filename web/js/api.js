// JSON client for /api/v1: keeps the CSRF token and turns error bodies into ApiError.

import { t } from './i18n.js';

let csrfToken = null;
let onUnauthorized = () => {};

export function setCsrf(token) { csrfToken = token || null; }
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.field = field || null;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * request('GET', '/projects', undefined, {query}) → parsed JSON (null for 204).
 * Throws ApiError. A 401 (except on sign-in itself) also calls the unauthorized handler.
 */
export async function request(method, path, body, { query, quiet401 = false } = {}) {
  let url = '/api/v1' + path;
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== '' && v !== null && v !== undefined) qs.set(k, v);
    const s = qs.toString();
    if (s) url += '?' + s;
  }
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(url, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', t('err.network'));
  }
  if (res.status === 204) return null;
  let data = null;
  const text = await res.text();
  if (text) { try { data = JSON.parse(text); } catch { data = null; } }
  if (res.ok) return data;
  const e = (data && data.error) || {};
  const err = new ApiError(res.status, e.code || `http_${res.status}`, e.message || res.statusText, e.field);
  if (res.status === 401 && !quiet401) onUnauthorized(err);
  throw err;
}

export const api = {
  get: (p, query, o = {}) => request('GET', p, undefined, { ...o, query }),
  post: (p, b, o) => request('POST', p, b, o),
  patch: (p, b, o) => request('PATCH', p, b, o),
  put: (p, b, o) => request('PUT', p, b, o),
  del: (p, o) => request('DELETE', p, undefined, o),
};

/**
 * download('/summaries', {quarter}, 'text/csv') → {blob, filename}: a non-JSON answer (an export)
 * fetched with the given Accept header. Throws ApiError like request().
 */
export async function download(path, query, accept) {
  let url = '/api/v1' + path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) if (v !== '' && v !== null && v !== undefined) qs.set(k, v);
  if (qs.toString()) url += '?' + qs.toString();
  let res;
  try {
    res = await fetch(url, { method: 'GET', headers: { Accept: accept }, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', t('err.network'));
  }
  if (!res.ok) {
    let data = null;
    try { data = JSON.parse(await res.text()); } catch { data = null; }
    const e = (data && data.error) || {};
    const err = new ApiError(res.status, e.code || `http_${res.status}`, e.message || res.statusText, e.field);
    if (res.status === 401) onUnauthorized(err);
    throw err;
  }
  const disp = res.headers.get('Content-Disposition') || '';
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disp);
  return { blob: await res.blob(), filename: m ? decodeURIComponent(m[1]) : null };
}

/**
 * upload('/tickets/7/attachments', file, {name}) → parsed JSON: the file itself as the body (as
 * fetch(url, {method: 'POST', body: file}) sends it), with the CSRF token. Throws ApiError; an
 * answer that is not JSON (a proxy's or the server's bare 413) keeps its status.
 */
export async function upload(path, file, query) {
  let url = '/api/v1' + path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) if (v !== '' && v !== null && v !== undefined) qs.set(k, v);
  if (qs.toString()) url += '?' + qs.toString();
  const headers = { Accept: 'application/json' };
  if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(url, { method: 'POST', body: file, headers, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', t('err.network'));
  }
  let data = null;
  const text = await res.text();
  if (text) { try { data = JSON.parse(text); } catch { data = null; } }
  if (res.ok) return data;
  const e = (data && data.error) || {};
  const code = e.code || (res.status === 413 ? 'too_large' : res.status === 415 ? 'unsupported_media_type' : `http_${res.status}`);
  const err = new ApiError(res.status, code, e.message || res.statusText, e.field);
  if (res.status === 401) onUnauthorized(err);
  throw err;
}

/** A message for the person, in the current language, for an ApiError. */
export function errorText(err) {
  if (!(err instanceof ApiError)) return t('err.generic', { msg: String(err && err.message || err) });
  if (err.code === 'network') return t('err.network');
  if (err.code === 'conflict' && err.field && hasKey(`err.conflict.${err.field}`)) return t(`err.conflict.${err.field}`);
  if (err.status === 422 && err.field === 'date') return t('err.date_order');
  if (err.code === 'invalid' && err.field === 'password') return t('v.password');
  const key = `err.${err.code}`;
  if (hasKey(key)) return t(key);
  return t('err.generic', { msg: err.message });
}

function hasKey(k) { return t(k) !== k; }
