import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RunRecord } from '../../../src/extension/results/runRecord';
import { answerText, buildDetail, buildRow } from '../../../src/extension/results/rowModel';
import { answered, failed, item } from './fixtures';

const costOf = (model: string | undefined, usage: { prompt_tokens: number; completion_tokens: number } | undefined) =>
  model === 'gpt-4o-mini' && usage ? usage.prompt_tokens * 1e-6 + usage.completion_tokens * 2e-6 : undefined;

function record() {
  const items = [item(0, 'a', { block: 'b', variables: { city: 'Paris', n: 3 }, temperature: 0.2 }), item(1, 'b', { block: 'b' }), item(2, 'c', { block: 'b' })];
  return new RunRecord('run-1', 'file:///w/test.llmbatch', 1000, items, costOf);
}

describe('result rows', () => {
  it('shows a request as running until its answer arrives, then its answer, tokens and price', () => {
    const run = record();
    assert.equal(run.row('a')?.status, 'running');
    run.applyResults([answered(0, 'a', 'Bonjour !', { promptTokens: 100, completionTokens: 50 })]);
    const row = run.row('a')!;
    assert.equal(row.status, 'ok');
    assert.equal(row.answer, 'Bonjour !');
    assert.equal(row.promptTokens, 100);
    assert.equal(row.completionTokens, 50);
    assert.ok(Math.abs((row.costUsd ?? 0) - 0.0002) < 1e-12);
    assert.equal(row.finishReason, 'stop');
    assert.deepEqual(row.variables, { city: 'Paris', n: '3' });
    assert.deepEqual(row.parameters, { temperature: '0.2' });
  });

  it('marks cached answers, failures with their error, and unanswered requests as cancelled once the run ends', () => {
    const run = record();
    run.applyResults([answered(0, 'a', 'x', { cached: true }), failed(1, 'b')]);
    assert.equal(run.row('a')?.status, 'cached');
    assert.equal(run.row('b')?.status, 'failed');
    assert.equal(run.row('b')?.error, 'rate_limited: Too many requests');
    const changed = run.finish(true, 5000);
    assert.deepEqual(changed, ['c']);
    assert.equal(run.row('c')?.status, 'cancelled');
    assert.equal(run.state, 'cancelled');
    assert.equal(run.view().wallTimeMs, 5000);
  });

  it('shows the engine’s cancelled results as cancelled, not failed', () => {
    const run = record();
    run.applyResults([failed(2, 'c', 'cancelled', 'Run cancelled')]);
    run.finish(true, 10);
    assert.equal(run.row('c')?.status, 'cancelled');
    assert.equal(run.historyEntry().failed, 0);
  });

  it('merges a re-run: only its rows run again, and a cancelled re-run keeps the earlier error', () => {
    const run = record();
    run.applyResults([answered(0, 'a', 'first'), failed(1, 'b'), failed(2, 'c')]);
    run.finish(false, 1000);
    const ids = run.beginRerun([item(1, 'b', { block: 'b' }), item(2, 'c', { block: 'b' })]);
    assert.deepEqual(ids, ['b', 'c']);
    assert.equal(run.state, 'running');
    assert.equal(run.row('a')?.status, 'ok');
    assert.equal(run.row('b')?.status, 'running');
    run.applyResults([answered(1, 'b', 'second try'), failed(2, 'c', 'cancelled', 'Run cancelled')]);
    run.finish(true, 500);
    assert.equal(run.row('a')?.answer, 'first');
    assert.equal(run.row('b')?.answer, 'second try');
    assert.equal(run.row('c')?.status, 'failed');
    assert.equal(run.view().wallTimeMs, 1500);
  });

  it('lists the requests to send again: failed, cancelled and never answered, not the answered ones', () => {
    const run = record();
    run.applyResults([answered(0, 'a', 'x', { cached: true }), failed(1, 'b', 'cancelled', 'Run cancelled')]);
    run.finish(true, 10);
    assert.deepEqual(run.unansweredIds(), ['b', 'c']);
  });

  it('round-trips through its stored form, and a run saved mid-way comes back cancelled', () => {
    const run = record();
    run.applyResults([answered(0, 'a', 'kept')]);
    const copy = RunRecord.fromStored(JSON.parse(JSON.stringify(run.toStored())), costOf);
    assert.equal(copy.runId, 'run-1');
    assert.equal(copy.row('a')?.answer, 'kept');
    assert.equal(copy.state, 'cancelled');
    assert.equal(copy.row('b')?.status, 'cancelled');
    assert.equal(copy.source('a'), undefined);
  });

  it('exports whole answers while the table gets a bounded preview', () => {
    const long = 'word '.repeat(10_000);
    const run = record();
    run.applyResults([answered(0, 'a', long)]);
    assert.ok((run.row('a')?.answer?.length ?? 0) < long.length);
    assert.equal(run.exportRows(['a'])[0]?.answer, long);
    assert.deepEqual(
      run.exportRows(['c', 'missing', 'a']).map((row) => row.id),
      ['c', 'a'],
    );
  });
});

describe('request detail', () => {
  it('shows the messages sent, the answer, usage and the raw response', () => {
    const detail = buildDetail(item(0, 'a', { content: 'Say hi' }), answered(0, 'a', 'hi'), false);
    assert.deepEqual(detail.messages, [{ role: 'user', content: 'Say hi' }]);
    assert.equal(detail.answer, 'hi');
    assert.deepEqual(detail.usage, { promptTokens: 10, completionTokens: 5, totalTokens: 15 });
    assert.equal(detail.requestId, 'req_a');
    assert.equal(JSON.parse(detail.responseJson!).id, 'chatcmpl-a');
    assert.equal(JSON.parse(detail.requestJson).messages[0].content, 'Say hi');
    assert.equal(detail.hasSource, false);
  });

  it('shows a failure’s error and no answer', () => {
    const detail = buildDetail(item(0, 'a'), failed(0, 'a'), false);
    assert.equal(detail.error, 'rate_limited: Too many requests');
    assert.equal(detail.answer, undefined);
    assert.equal(JSON.parse(detail.responseJson!).code, 'rate_limited');
  });

  it('shows every choice and tool calls', () => {
    const result = answered(0, 'a', 'one');
    const response = {
      ...(result.ok ? result.response : ({} as never)),
      choices: [
        { index: 0, message: { role: 'assistant', content: 'one' }, finish_reason: 'stop' },
        { index: 1, message: { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: 'tool_calls' },
      ],
    };
    const text = answerText(response);
    assert.match(text, /\[choice 1\]\none/);
    assert.match(text, /\[choice 2\][\s\S]*"name": "f"/);
    assert.equal(buildRow(item(0, 'a'), { ...result, response } as never, { running: false }).answer, text);
  });
});
