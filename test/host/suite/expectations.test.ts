import assert from 'node:assert/strict';
import { activateExtension, fixture } from './hostFixtures';
import type { LlmbatchApi } from '../../../src/extension/extension';
import type { RunEvent } from '../../../src/extension/runs/runEvents';

describe('expectations in editor runs', function () {
  this.timeout(60_000);
  let api: LlmbatchApi;

  before(async () => {
    api = await activateExtension();
  });

  it('hands each verdict over with its result, and the pass count and scoreboard with the run', async () => {
    const events: RunEvent[] = [];
    const subscription = api.onDidRunEvent((event) => events.push(event));
    let result: Awaited<ReturnType<LlmbatchApi['runBatch']>>;
    try {
      result = await api.runBatch(fixture('runs/scored.llmbatch'), { bypassCache: true });
    } finally {
      subscription.dispose();
    }
    const french = 'greet[lang=French]';
    const german = 'greet[lang=German]';
    assert.deepEqual(result.expect?.counts, { scored: 2, passed: 1 });
    assert.equal(result.expect?.outcomes[french]?.pass, true);
    assert.deepEqual(result.expect?.outcomes[german]?.checks.map((check) => [check.check, check.pass, check.reason]), [
      ['contains French', false, 'the answer does not contain "French"'],
      ['not icontains sorry', true, 'the answer does not contain "sorry"'],
    ]);
    assert.equal(result.expect?.outcomes[german]?.checks[0]?.range?.startLine, 5);
    assert.deepEqual(result.expect?.scoreboard.map((board) => [board.block, board.axes.map((axis) => axis.rows.map((row) => [row.value, row.passRate]))]), [['greet', [[['French', 1], ['German', 0]]]]]);
    const handed = Object.assign({}, ...events.map((event) => (event.type === 'results' ? (event.outcomes ?? {}) : {}))) as Record<string, unknown>;
    assert.deepEqual(Object.keys(handed).sort(), [french, german]);
    const finished = events.find((event) => event.type === 'finished');
    assert.deepEqual(finished?.type === 'finished' ? finished.expect?.counts : undefined, { scored: 2, passed: 1 });
  });
});
