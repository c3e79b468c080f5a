import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RunRecord } from '../../../src/extension/results/runRecord';
import type { RequestOutcome } from '../../../src/core/expect/outcomes';
import { answered, failed, item } from './fixtures';

const line = (n: number) => ({ startLine: n, startColumn: 0, endLine: n, endColumn: 20 });

const passes: RequestOutcome = {
  pass: true,
  checks: [
    { check: 'contains Paris', pass: true, reason: 'the answer contains "Paris"', range: line(4) },
    { check: 'tokens <= 50', pass: true, reason: '5 completion tokens', range: line(5) },
  ],
};
const fails: RequestOutcome = {
  pass: false,
  checks: [
    { check: 'contains Paris', pass: false, reason: 'the answer does not contain "Paris"', range: line(4) },
    { check: 'judge Polite', pass: false, reason: 'the grader replied "maybe"', error: true },
  ],
};

function record() {
  const swept = ['model'];
  const items = [
    item(0, 'a', { block: 'capital', model: 'm-1', variables: { model: 'm-1' }, swept, expects: true }),
    item(1, 'b', { block: 'capital', model: 'm-2', variables: { model: 'm-2' }, swept, expects: true }),
    item(2, 'c', { block: 'capital', model: 'm-2', variables: { model: 'm-2' }, swept, expects: true }),
  ];
  return new RunRecord('run-1', 'file:///w/capitals.llmbatch', 1000, items);
}

describe('verdicts in the results panel', () => {
  it('shows each answer’s checks in its row and in its detail, with the place of each expect: line', () => {
    const run = record();
    run.applyResults([answered(0, 'a', 'Paris'), answered(1, 'b', 'Lyon'), failed(2, 'c')]);
    run.applyOutcomes({ a: passes, b: fails });
    assert.deepEqual(run.row('a')?.checks, { passed: 2, total: 2 });
    assert.deepEqual(run.row('b')?.checks, { passed: 0, total: 2, error: true });
    assert.equal(run.row('c')?.checks, undefined);
    assert.deepEqual(run.detail('b')?.checks, [
      { check: 'contains Paris', pass: false, reason: 'the answer does not contain "Paris"', hasSource: true },
      { check: 'judge Polite', pass: false, reason: 'the grader replied "maybe"', error: true, hasSource: false },
    ]);
    assert.deepEqual(run.outcome('b')?.checks[0]?.range, line(4));
  });

  it('ranks the swept values on a scoreboard as the command line does, failed requests counted apart', () => {
    const run = record();
    run.applyResults([answered(0, 'a', 'Paris'), answered(1, 'b', 'Lyon'), failed(2, 'c')]);
    run.applyOutcomes({ a: passes, b: fails });
    run.finish(false, 100);
    const [board] = run.view().scoreboard ?? [];
    assert.equal(board?.block, 'capital');
    assert.deepEqual(
      board?.axes[0]?.rows.map((entry) => [entry.value, entry.passed, entry.scored, entry.errors]),
      [
        ['m-1', 1, 1, 0],
        ['m-2', 0, 1, 1],
      ],
    );
  });

  it('scores a re-sent answer afresh: its earlier verdict goes with the earlier answer', () => {
    const run = record();
    run.applyResults([answered(1, 'b', 'Lyon')]);
    run.applyOutcomes({ b: fails });
    run.finish(false, 100);
    run.beginRerun([item(1, 'b', { block: 'capital', model: 'm-2', variables: { model: 'm-2' }, swept: ['model'], expects: true })]);
    run.applyResults([answered(1, 'b', 'Paris')]);
    assert.equal(run.row('b')?.checks, undefined);
    run.applyOutcomes({ b: passes });
    assert.deepEqual(run.row('b')?.checks, { passed: 2, total: 2 });
  });

  it('keeps verdicts and grader counts in the stored run, so a restored panel shows them', () => {
    const run = record();
    run.applyResults([answered(0, 'a', 'Paris'), answered(1, 'b', 'Lyon')]);
    run.applyOutcomes({ a: passes, b: fails });
    run.finish(false, 100, 0, { requests: 2, cached: 1, failed: 0, promptTokens: 300, completionTokens: 20 });
    const copy = RunRecord.fromStored(JSON.parse(JSON.stringify(run.toStored())));
    assert.deepEqual(copy.row('b')?.checks, { passed: 0, total: 2, error: true });
    assert.deepEqual(copy.outcome('a'), passes);
    assert.deepEqual(copy.view().scoreboard, run.view().scoreboard);
    assert.deepEqual(copy.view().judge, { requests: 2, cached: 1, failed: 0, tokens: 320 });
  });

  it('drops stored verdicts that are not well formed instead of showing them half', () => {
    const run = record();
    run.applyResults([answered(0, 'a', 'Paris'), answered(1, 'b', 'Lyon')]);
    const stored = { ...run.toStored(), outcomes: { a: { pass: 'yes', checks: [] }, b: { pass: false, checks: [{ check: 1 }] }, zz: passes }, judge: { requests: '2' } };
    const copy = RunRecord.fromStored(JSON.parse(JSON.stringify(stored)));
    assert.equal(copy.row('a')?.checks, undefined);
    assert.equal(copy.row('b')?.checks, undefined);
    assert.equal(copy.view().judge, undefined);
  });
});
