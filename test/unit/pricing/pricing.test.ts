import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { costOf, estimateCost, formatUsd, priceFor } from '../../../src/core/pricing';
import type { BatchItem } from '../../../src/core/models';

function item(model: string | undefined, content: string, max?: number): BatchItem {
  return {
    id: `${model}-${content.length}`,
    request: { provider: 'openai', model, messages: [{ role: 'user', content }], stream: false, max_completion_tokens: max },
  };
}

describe('pricing', () => {
  it('finds dated snapshots by their base model, preferring the longest name', () => {
    assert.equal(priceFor('gpt-4o-mini-2024-07-18'), priceFor('gpt-4o-mini'));
    assert.notEqual(priceFor('gpt-4o-mini'), priceFor('gpt-4o'));
    assert.equal(priceFor('openai/gpt-4.1-nano'), priceFor('gpt-4.1-nano'));
    assert.equal(priceFor('llama3.1:8b'), undefined);
    assert.equal(priceFor('gpt-4omni'), undefined, 'a prefix must end at a dash');
  });

  it('prices usage, and the batch price at half unless the table says otherwise', () => {
    const usage = { prompt_tokens: 1_000_000, completion_tokens: 1_000_000, total_tokens: 2_000_000 };
    assert.equal(costOf('gpt-4o-mini', usage), 0.75);
    assert.equal(costOf('gpt-4o-mini', usage, { batch: true }), 0.375);
    const table = { custom: { inputPerMTok: 1, outputPerMTok: 2, batchInputPerMTok: 1, batchOutputPerMTok: 1 } };
    assert.equal(costOf('custom', usage, { table, batch: true }), 2);
    assert.equal(costOf('unknown-model', usage), undefined);
  });

  it('estimates a batch and names the models it could not price', () => {
    const estimate = estimateCost([item('gpt-4o-mini', 'x'.repeat(400), 100), item('mystery', 'hello'), item(undefined, 'hi')]);
    assert.equal(estimate.requests, 3);
    assert.equal(estimate.pricedRequests, 1);
    assert.deepEqual(estimate.unknownModels, ['(no model)', 'mystery']);
    assert.ok(estimate.promptTokens > 100 && estimate.promptTokens < 140);
    assert.equal(estimate.completionTokens, 100 + 256 + 256);
    assert.ok(estimate.usd !== undefined && estimate.batchUsd !== undefined);
    assert.ok(Math.abs(estimate.batchUsd - estimate.usd / 2) < 1e-12);
  });

  it('has no total when no model is priced', () => {
    assert.equal(estimateCost([item('mystery', 'x')]).usd, undefined);
  });

  it('formats small and large sums', () => {
    assert.equal(formatUsd(0), '$0');
    assert.equal(formatUsd(0.00123), '$0.0012');
    assert.equal(formatUsd(12.345), '$12.35');
  });
});
