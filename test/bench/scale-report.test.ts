// The verdicts of `npm run bench -- --scale`: a ratio under its target, a middle page that is neither
// answered in time nor refused with a RealWorld error, or an error in any load must FAIL.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ExtraRow,
  isolationCheck,
  middlePageCheck,
  ratioCheck,
  readTargetChecks,
  realWorldErrors,
  type SideFigures,
  scaleErrorCheck,
  scaleRow,
  scaleTable,
  statusCounts,
} from '../../bench/lib/scale-report.ts';

const figures = (rps: number, non2xx = 0): SideFigures => ({
  rps,
  p50_ms: 5,
  p99_ms: 20,
  non2xx,
  cpu_us: 400,
});

test('read rows: big ÷ small, checked at ≥ 0.9 for the named cases, printed only for profile', () => {
  const list = scaleRow('list articles', '/api/articles?limit=20', 16, figures(1000), figures(890));
  const profile = scaleRow('profile', '/api/profiles/ada', 16, figures(1000), figures(100));
  assert.equal(list.ratio, 0.89);
  assert.equal(profile.target, null);
  const checks = readTargetChecks([list, profile]);
  assert.deepEqual(
    checks.map((c) => [c.pass, c.text]),
    [[false, 'list articles @16 on big: 890 req/s = 0.89 × small (1000), target ≥ 0.9']],
  );
  assert.equal(
    readTargetChecks([scaleRow('tags', '/api/tags', 16, figures(1000), figures(900))])[0]!.pass,
    true,
  );
  const table = scaleTable([list, profile]);
  assert.match(table, /\| list articles \| +16 \| +1000 \| +890 \| +0\.89 \| .* \| +≥ 0\.90 \| +FAIL \|/);
  assert.match(table, /\| profile .* \| +– \| +– \|$/m);
});

test('ratio checks say both figures and pass at the target', () => {
  assert.deepEqual(ratioCheck('list page 51 on big', 500, 'page 1', 1000, 0.5), {
    pass: true,
    text: 'list page 51 on big: 500 req/s = 0.50 × page 1 (1000), target ≥ 0.5',
  });
  assert.equal(ratioCheck('x', 499, 'y', 1000, 0.5).pass, false);
  // A base that had no answer at all fails, whatever the other figure.
  assert.deepEqual(ratioCheck('x', 10, 'alone', 0, 0.5), {
    pass: false,
    text: 'x: 10 req/s = – × alone (0), target ≥ 0.5',
  });
});

test('status counts: 2xx, 4xx, 5xx, and the errors and timeouts that got no answer', () => {
  const byStatus = {
    '200': { count: 10, p50: 1, p99: 2, max: 3 },
    '422': { count: 3, p50: 1, p99: 2, max: 3 },
    '503': { count: 2, p50: 1, p99: 2, max: 3 },
  };
  assert.deepEqual(statusCounts(byStatus, 9), { ok: 10, refused: 3, failed: 2, unanswered: 4 });
});

test('the middle page passes answered in time or refused with a RealWorld body; never with a 5xx or a timeout', () => {
  const counts = { ok: 0, refused: 0, failed: 0, unanswered: 0 };
  const refusal = realWorldErrors(
    '{"errors":{"offset":["must be at most 10000: read further with ?cursor="]}}',
  );
  assert.equal(refusal, '{"offset":["must be at most 10000: read further with ?cursor="]}');
  assert.equal(realWorldErrors('{"message":"no"}'), undefined);
  assert.equal(realWorldErrors('<html>'), undefined);
  const check = (c: Partial<typeof counts>, p99: number, body?: string) =>
    middlePageCheck('middle page', { ...counts, ...c }, p99, body);
  assert.match(check({ ok: 100 }, 900).text, /^middle page: answered, every response 2xx, p99 900 ms/);
  assert.equal(check({ ok: 100 }, 900).pass, true);
  assert.equal(check({ ok: 100 }, 1001).pass, false);
  assert.equal(check({ refused: 50 }, 5, refusal).pass, true);
  assert.match(check({ refused: 50 }, 5, refusal).text, /refused, every response 4xx .*cursor/);
  assert.equal(check({ refused: 50 }, 5).pass, false);
  assert.equal(check({ ok: 99, failed: 1 }, 900).pass, false);
  assert.match(check({ failed: 30 }, 2000).text, /neither answered nor refused: 0 2xx, 0 4xx, 30 5xx/);
  assert.equal(check({ refused: 49, unanswered: 1 }, 5, refusal).pass, false);
  assert.deepEqual(check({}, 0), { pass: false, text: 'middle page: no response within the run' });
});

test('errors: any non-2xx in a read case, any error in an extra row, named', () => {
  const extra: ExtraRow = {
    case: 'middle page',
    dataset: 'big',
    request: 'middle page (offset 500,000)',
    connections: 16,
    rps: 5,
    p50_ms: 900,
    p99_ms: 2000,
    cpu_us: 2000,
    errors: 0,
    errors_in_target: false,
  };
  const clean = scaleRow('article', '/api/articles/a', 16, figures(1000), figures(950));
  assert.equal(scaleErrorCheck([clean], [extra]).pass, true);
  const failed = scaleErrorCheck([{ ...clean, big: figures(950, 2) }], [{ ...extra, errors: 7 }]);
  assert.equal(failed.pass, false);
  assert.equal(
    failed.text,
    'non-2xx responses: article @16 on big: 2, middle page, middle page (offset 500,000) on big: 7',
  );
  // The middle page's own target counts its 5xx: they fail it, not the run's error check.
  assert.equal(scaleErrorCheck([clean], [{ ...extra, errors: 7, errors_in_target: true }]).pass, true);
});

test('deep-page isolation: page 1 beside ≥ 0.5 × alone, and no 5xx in either load', () => {
  const label = 'page 1 on big beside the middle page';
  assert.equal(isolationCheck(label, 600, 1000, 0).pass, true);
  assert.equal(isolationCheck(label, 400, 1000, 0).pass, false);
  const shed = isolationCheck(label, 600, 1000, 3);
  assert.equal(shed.pass, false);
  assert.match(
    shed.text,
    /= 0\.60 × alone \(1000\), target ≥ 0\.5; 3 5xx, errors or timeouts in the two loads/,
  );
});
