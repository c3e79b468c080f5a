import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compactNumber, confirmationReason, formatDryRun, formatProgress, formatResultLine } from '../../../src/extension/output/runText';
import type { BatchResult } from '../../../src/core/models';

describe('run progress text', () => {
  it('reads like 37/120 · 3 cached · 1 failed · 1.2k tok/s', () => {
    assert.equal(formatProgress({ done: 37, total: 120, cached: 3, failed: 1, tokensPerSecond: 1234 }), '37/120 · 3 cached · 1 failed · 1.2k tok/s');
  });

  it('leaves zero counts out', () => {
    assert.equal(formatProgress({ done: 0, total: 5, cached: 0, failed: 0, tokensPerSecond: 0 }), '0/5');
  });

  it('abbreviates large numbers', () => {
    assert.deepEqual([950, 1000, 1234, 56789, 1.5e6].map(compactNumber), ['950', '1k', '1.2k', '57k', '1.5M']);
  });
});

describe('log lines', () => {
  const base = { id: 'translate[lang=French]', index: 0, attempts: 1, latencyMs: 412.4, cached: false };

  it('give id, status, attempts, latency and tokens of an answer', () => {
    const result: BatchResult = {
      ...base,
      ok: true,
      statusCode: 200,
      response: { id: 'x', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'Bonjour' }, finish_reason: 'stop' }], usage: { prompt_tokens: 35, completion_tokens: 12, total_tokens: 47 } },
    };
    assert.equal(formatResultLine(result), 'translate[lang=French] ok 200 · 1 attempt · 412 ms · 35+12 tok');
    assert.equal(formatResultLine({ ...result, cached: true, attempts: 0 }), 'translate[lang=French] cached · 0 attempts · 412 ms · 35+12 tok');
  });

  it('never show a key that an error message echoes', () => {
    const result: BatchResult = { ...base, ok: false, attempts: 4, statusCode: 401, error: { code: 'authentication', message: 'Incorrect API key provided: sk-abcdef123456. Header was Bearer sk-abcdef123456' } };
    const text = formatResultLine(result);
    assert.match(text, /^translate\[lang=French\] failed authentication 401 · 4 attempts · 412 ms · Incorrect API key/);
    assert.doesNotMatch(text, /abcdef123456/);
  });
});

describe('asking before a large run', () => {
  const limits = { confirmAboveRequests: 200, confirmAboveUsd: 1 };

  it('asks above the request count or the estimated cost', () => {
    assert.equal(confirmationReason(200, { usd: 0.5 }, limits), undefined);
    assert.equal(confirmationReason(201, { usd: undefined }, limits), '201 requests');
    assert.equal(confirmationReason(10, { usd: 2.5 }, limits), 'an estimated $2.50');
    assert.equal(confirmationReason(500, { usd: 2.5 }, limits), '500 requests costing an estimated $2.50');
  });

  it('does not ask when a limit is 0', () => {
    assert.equal(confirmationReason(10_000, { usd: 99 }, { confirmAboveRequests: 0, confirmAboveUsd: 0 }), undefined);
  });
});

describe('dry run report', () => {
  it('lists counts, cached answers, tokens, cost, endpoints and the first ids', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `q${i}`);
    const report = formatDryRun({
      ids,
      cached: 4,
      endpoints: ['openai (https://api.openai.com/v1)'],
      estimate: { requests: 10, promptTokens: 1234, completionTokens: 640, usd: 0.0123, batchUsd: 0.0062, unknownModels: ['mystery'], pricedRequests: 8 },
    });
    assert.match(report.summary, /^10 requests \(4 cached, 6 to send\) · ≈ \$0\.01 for the models with a known price \(\$0\.0062 through the Batch API\)$/);
    assert.match(report.detail, /Estimated prompt tokens: 1,234/);
    assert.match(report.detail, /No price known for: mystery/);
    assert.match(report.detail, /q7\n {2}… and 2 more/);
    assert.doesNotMatch(report.detail, /q8/);
  });

  it('says when the cost is unknown', () => {
    const report = formatDryRun({ ids: ['a'], cached: 0, endpoints: [], estimate: { requests: 1, promptTokens: 5, completionTokens: 256, unknownModels: ['x'], pricedRequests: 0 } });
    assert.match(report.summary, /cost unknown/);
  });
});
