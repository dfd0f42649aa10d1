// Sign-in rate limiting: per username and per client address (each on its own server).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, DEMO_PASSWORD } from '../lib/server.mjs';
import { api, err, uniq, show } from './_util.mjs';

describe('sign-in rate limits', () => {
test('rate limit: repeated failures for one username → 429 rate_limited, even with the right password', async () => {
  const s2 = await startServer();
  try {
    const username = uniq('rl').toLowerCase();
    const pw = 'rate-limit-pass-2026';
    s2.addUser(username, 'quality', pw);
    const c = api(s2.url);
    const first = await c.post('/api/v1/session', { username, password: 'bad-password-000' });
    err(first, 401, 'invalid_credentials');
    let limited = null;
    for (let i = 0; i < 30 && !limited; i++) {
      const r = await c.post('/api/v1/session', { username, password: `bad-password-${i}` });
      if (r.status === 429) limited = r;
      else assert.equal(r.status, 401, show(r));
    }
    assert.ok(limited, 'no 429 after 31 failed sign-ins');
    err(limited, 429, 'rate_limited');
    const right = await c.post('/api/v1/session', { username, password: pw });
    err(right, 429, 'rate_limited');
    assert.equal(right.headers.get('set-cookie'), null);
  } finally {
    await s2.stop();
  }
});

test('rate limit per client address: failures over many usernames → 429', async () => {
  const s2 = await startServer();
  try {
    const c = api(s2.url);
    let limited = null;
    let n = 0;
    for (let b = 0; b < 10 && !limited; b++) { // batches of 6 in parallel: sign-in checks are slow by design
      const rs = await Promise.all(Array.from({ length: 6 }, (_, i) => c.post('/api/v1/session', { username: `nobody${b}x${i}`, password: 'bad-password-000' })));
      for (const r of rs) {
        if (r.status === 429) limited = limited || r;
        else { err(r, 401, 'invalid_credentials'); n++; }
      }
    }
    assert.ok(limited, 'no 429 after 60 failed sign-ins from one address');
    assert.ok(n > 5, `limited after only ${n} failures over distinct usernames`);
    err(limited, 429, 'rate_limited');
    err(await c.post('/api/v1/session', { username: 'admin', password: DEMO_PASSWORD }), 429, 'rate_limited');
  } finally {
    await s2.stop();
  }
});
});
