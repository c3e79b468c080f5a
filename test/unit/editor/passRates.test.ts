import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassRates } from '../../../src/extension/editor/passRates';
import { lensesFor } from '../../../src/extension/editor/lensModel';
import type { RequestOutcome } from '../../../src/core/expect/outcomes';
import type { RunEvent } from '../../../src/extension/runs/runEvents';
import { answered, failed, item } from '../results/fixtures';
import { parseText } from './exampleFile';

const pass: RequestOutcome = { pass: true, checks: [{ check: 'contains a', pass: true, reason: 'ok' }] };
const fail: RequestOutcome = { pass: false, checks: [{ check: 'contains a', pass: false, reason: 'no' }] };
const file = 'file:///w/a.llmbatch';
const stats = { total: 0, succeeded: 0, failed: 0, cached: 0, promptTokens: 0, completionTokens: 0, wallTimeMs: 1, cancelled: false };

function started(runId: string, ids: readonly string[], updates?: string): RunEvent {
  return { type: 'started', runId, fileUri: file, startedAt: 0, items: ids.map((id, i) => item(i, id, { block: id.startsWith('x') ? 'first' : 'second', expects: true })), ...(updates && { updates }) };
}

describe('block pass rates', () => {
  it('counts each block’s answers that passed, leaving failed requests out, once the run finishes', () => {
    const rates = new PassRates();
    rates.take(started('run-1', ['x1', 'x2', 'x3', 'y1']));
    rates.take({ type: 'results', runId: 'run-1', results: [answered(0, 'x1', 'a'), answered(1, 'x2', 'b'), failed(2, 'x3'), answered(3, 'y1', 'a')], outcomes: { x1: pass, x2: fail, y1: pass } });
    assert.equal(rates.take({ type: 'finished', runId: 'run-1', stats }), true);
    assert.deepEqual(rates.of(file, 'first'), { scored: 2, passed: 1 });
    assert.deepEqual(rates.of(file, 'second'), { scored: 1, passed: 1 });
    assert.equal(rates.of('file:///w/other.llmbatch', 'first'), undefined);
  });

  it('updates the rate with a re-run of some requests, and starts afresh with a new run', () => {
    const rates = new PassRates();
    rates.take(started('run-1', ['x1', 'x2']));
    rates.take({ type: 'results', runId: 'run-1', results: [answered(0, 'x1', 'a'), answered(1, 'x2', 'b')], outcomes: { x1: pass, x2: fail } });
    rates.take({ type: 'finished', runId: 'run-1', stats });
    rates.take(started('run-2', ['x2'], 'run-1'));
    rates.take({ type: 'results', runId: 'run-2', results: [answered(1, 'x2', 'a')], outcomes: { x2: pass } });
    assert.deepEqual(rates.of(file, 'first'), { scored: 2, passed: 2 });
    rates.take(started('run-3', ['x1']));
    assert.equal(rates.of(file, 'first'), undefined);
  });

  it('shows the pass rate in the block’s CodeLens, and nothing before a scored run', () => {
    const { document, expansion } = parseText(['### first', 'user: hi', 'expect: contains a', '', '### second', 'user: ho'].join('\n'));
    const titles = (rate?: (block: string) => { scored: number; passed: number } | undefined) => lensesFor(document, expansion, rate).map((lens) => lens.title);
    assert.deepEqual(titles(), ['▶ Run all · 2 requests', 'Dry run', '▶ Run · 1 request', '▶ Run · 1 request']);
    assert.deepEqual(titles((block) => (block === 'first' ? { scored: 12, passed: 10 } : undefined)), ['▶ Run all · 2 requests', 'Dry run', '▶ Run · 1 request · ✓ 10/12', '▶ Run · 1 request']);
    const lens = lensesFor(document, expansion, () => ({ scored: 12, passed: 10 }))[2];
    assert.match(lens?.tooltip ?? '', /10 of 12 answers passed their expect: checks/);
  });
});
