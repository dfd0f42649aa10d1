// Settings (STYLE "settings are a table"): the procedure's Readings are settings whose defaults
// are those readings. A company with another reading writes a settings file; `kefu config`
// checks it and prints every setting, `kefu serve --config` puts it in force.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, cli } from '../lib/server.mjs';
import { ok, tokenClient } from './_util.mjs';

const dir = mkdtempSync(join(tmpdir(), 'kefu-settings-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name, text) => { const p = join(dir, name); writeFileSync(p, text); return p; };

test('kefu config prints every setting with its default; the defaults are the readings', () => {
  const r = cli(['config']);
  assert.equal(r.status, 0, r.stderr);
  for (const line of ['scoring.weight.pre = 20', 'scoring.weight.process = 50', 'scoring.weight.post = 30',
    'scoring.rating.fairly_satisfied = 90', 'scoring.penalty.min = -10', 'scoring.deduction.max = 20',
    'grade.qualified_from = 70.0', 'grade.excellent_from = 90.0', 'satisfied.sheet_from = 80.0']) {
    assert.ok(r.stdout.split('\n').includes(line), `kefu config prints "${line}"`);
  }
  // What it prints is itself a valid settings file.
  const again = cli(['config', '--config', file('printed.conf', r.stdout)]);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stdout, r.stdout);
});

test('kefu config refuses a bad file naming the line; serve refuses to start with it', () => {
  const cases = [
    ['grade.qualified_from = 70\nno.such.setting = 1\n', /line 2: no setting 'no.such.setting'/],
    ['scoring.weight.pre = 30\n', /add up to 100/],
    ['grade.excellent_from = 101\n', /line 1: grade.excellent_from wants a score from 0.1 to 100.0/],
  ];
  for (const [text, says] of cases) {
    const p = file('bad.conf', text);
    const r = cli(['config', '--config', p]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, says);
    const s = cli(['serve', '--config', p, '--db', join(dir, 'never.db'), '--listen', '127.0.0.1:0']);
    assert.equal(s.status, 1, 'serve does not start on a bad settings file');
    assert.match(s.stderr, says);
  }
  const missing = cli(['config', '--config', join(dir, 'absent.conf')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /cannot read settings/);
});

test('serve --config: another grade reading and other weights take effect', async () => {
  const p = file('company.conf', 'grade.qualified_from = 60\ngrade.excellent_from = 85\n'
    + 'scoring.weight.pre = 10\nscoring.weight.process = 60\n');
  const s = await startServer({ extraArgs: ['--config', p] });
  try {
    const cm = tokenClient(s, 'cm');
    const forms = Object.fromEntries(ok(await cm.get('/api/v1/forms'), 200).map((f) => [f.key, f]));
    assert.deepEqual([forms.pre.weight, forms.process.weight, forms.post.weight], [10, 60, 30]);
    // Ratings that score between two readings' boundaries: start every item at BASE and move
    // items to TO, in order, until the score falls in [lo, hi).
    const between = (form, base, to, lo, hi) => {
      const pct = { fairly_satisfied: 90, average: 70, acceptable: 50 };
      const its = forms[form].items.map((it) => ({ key: it.key, rating: base, points: it.points }));
      let tenths = its.reduce((t, it) => t + it.points * pct[base] / 10, 0);
      for (const it of its) {
        if (tenths >= lo * 10 && tenths < hi * 10) break;
        tenths += it.points * (pct[to] - pct[base]) / 10;
        it.rating = to;
      }
      assert.ok(tenths >= lo * 10 && tenths < hi * 10, `a ${form} sheet between ${lo} and ${hi}`);
      return { items: its.map(({ key, rating }) => ({ key, rating })), score: tenths / 10 };
    };
    // 60 <= score < 70: fail by the default reading, qualified by this file's.
    const q = between('process', 'acceptable', 'average', 60, 70);
    const e = ok(await cm.post('/api/v1/projects/1/evaluations',
      { form: 'process', kind: 'official', date: '2026-04-01', items: q.items }), 201);
    assert.equal(e.score, q.score);
    assert.equal(e.grade, 'qualified');
    // 85 <= score < 90: qualified by default, excellent here.
    const x = between('pre', 'fairly_satisfied', 'average', 85, 90);
    const p2 = ok(await cm.post('/api/v1/projects/1/evaluations',
      { form: 'pre', kind: 'official', date: '2026-04-02', items: x.items }), 201);
    assert.equal(p2.score, x.score);
    assert.equal(p2.grade, 'excellent');
    // The summary weighs them 10 : 60 over the two phases present, rounded half up.
    const want = Math.round(((10 * x.score * 10 + 60 * q.score * 10) / 70)) / 10;
    const sum = ok(await cm.get('/api/v1/projects/1/summary'), 200);
    assert.equal(sum.total, want);
    assert.equal(sum.grade, want >= 85 ? 'excellent' : want >= 60 ? 'qualified' : 'fail');
    assert.equal(sum.provisional, true);
  } finally {
    await s.stop();
  }
  // KEFU_CONFIG names the file too.
  const r = cli(['config'], { env: { KEFU_CONFIG: p } });
  assert.equal(r.status, 0);
  assert.ok(r.stdout.includes('grade.qualified_from = 60.0\n'));
});
