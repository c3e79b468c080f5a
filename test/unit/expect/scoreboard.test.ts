import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatScoreboard, ScoreboardBuilder } from '../../../src/core/expect/scoreboard';
import type { ScoredRequest } from '../../../src/core/expect/scoreboard';

function request(model: string, lang: string, pass: boolean | undefined, latencyMs = 100, tokens = 10): ScoredRequest {
  return {
    block: 'translate',
    swept: ['model', 'lang'],
    variables: { model, lang, review: 'row text is not an axis' },
    ok: pass !== undefined,
    latencyMs,
    tokens,
    ...(pass !== undefined && { outcome: { pass, checks: [] } }),
  };
}

describe('scoreboard', () => {
  it('ranks each swept axis of a block by pass rate, best first, with mean latency and tokens', () => {
    const board = new ScoreboardBuilder();
    board.add(request('small', 'French', false, 100, 10));
    board.add(request('small', 'German', true, 300, 30));
    board.add(request('large', 'French', true, 500, 20));
    board.add(request('large', 'German', true, 700, 40));
    board.add(request('large', 'German', undefined));
    const [translate, ...rest] = board.build();
    assert.equal(rest.length, 0);
    assert.equal(translate?.block, 'translate');
    assert.deepEqual(
      translate?.axes.map(({ axis, rows }) => [axis, rows.map((row) => [row.value, row.passed, row.scored, row.passRate, row.errors, row.meanLatencyMs, row.meanTokens])]),
      [
        ['model', [['large', 2, 2, 1, 1, 600, 30], ['small', 1, 2, 0.5, 0, 200, 20]]],
        ['lang', [['German', 2, 2, 1, 1, 500, 35], ['French', 1, 2, 0.5, 0, 300, 15]]],
      ],
    );
  });

  it('breaks ties by latency, and leaves out blocks that sweep nothing or score nothing', () => {
    const board = new ScoreboardBuilder();
    board.add(request('slow', 'x', true, 900));
    board.add(request('fast', 'x', true, 100));
    board.add({ block: 'plain', ok: true, latencyMs: 1, tokens: 1, outcome: { pass: true, checks: [] } });
    board.add({ block: 'unscored', swept: ['model'], variables: { model: 'a' }, ok: true, latencyMs: 1, tokens: 1 });
    const boards = board.build();
    assert.deepEqual(boards.map((b) => b.block), ['translate']);
    assert.deepEqual(boards[0]?.axes[0]?.rows.map((row) => row.value), ['fast', 'slow']);
    assert.deepEqual(formatScoreboard(boards).slice(0, 3), [
      'scoreboard · translate · model',
      '  fast  100%  1/1 passed · 100 ms · 10 tokens',
      '  slow  100%  1/1 passed · 900 ms · 10 tokens',
    ]);
  });
});
