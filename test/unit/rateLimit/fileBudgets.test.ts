import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, expandText } from '../language/support';
import { loadBatchText } from '../../../src/core/batchFile/loadBatch';
import { scopesOf, tokenize } from '../grammar/grammarHarness';

describe('@rpm and @tpm in a .llmbatch file', () => {
  it('are read from the header as the file\'s budgets and never sent as request parameters (golden)', () => {
    const text = ['@rpm = 500', '@tpm = 90000', '@model = m', '### a', 'user: one', '### b', '@temperature = [0, 1]', 'user: two'].join('\n');
    const result = expandText(text);
    assert.deepEqual(
      { rateLimits: result.rateLimits, diagnostics: result.diagnostics, items: result.items.map((item) => [item.id, item.request]) },
      {
        rateLimits: { rpm: 500, tpm: 90_000 },
        diagnostics: [],
        items: [
          ['a', { provider: 'echo', model: 'm', messages: [{ role: 'user', content: 'one' }], stream: false }],
          ['b[temperature=0]', { provider: 'echo', model: 'm', temperature: 0, messages: [{ role: 'user', content: 'two' }], stream: false }],
          ['b[temperature=1]', { provider: 'echo', model: 'm', temperature: 1, messages: [{ role: 'user', content: 'two' }], stream: false }],
        ],
      },
    );
  });

  it('leave a file without them unlimited', () => {
    assert.equal(expandText('### a\nuser: x').rateLimits, undefined);
  });

  it('are refused in a block, where a budget for part of a file would mean nothing', () => {
    const result = expandText(['### a', '@rpm = 10', 'user: x'].join('\n'));
    assert.deepEqual(
      result.diagnostics.map((diagnostic) => [diagnostic.severity, diagnostic.code, diagnostic.message, at(diagnostic.range)]),
      [['error', 'header-only', '@rpm is a budget for the whole file (requests per minute): set it in the header, above the first ###', [1, 0, 1, 4]]],
    );
    assert.equal(result.items.length, 0);
  });

  it('take one positive number', () => {
    const messages = (line: string) => expandText(`${line}\n### a\nuser: x`).diagnostics.map((diagnostic) => diagnostic.message);
    assert.deepEqual(messages('@rpm = 0'), ['rpm must be a number of requests per minute above 0 (got 0)']);
    assert.deepEqual(messages('@tpm = lots'), ['tpm must be a number of tokens per minute']);
    assert.deepEqual(messages('@rpm = [10, 20]'), ['@rpm takes one number of requests per minute: a budget cannot be a list']);
  });

  it('reach a run through the loader shared by the command line and the editor', () => {
    const loaded = loadBatchText('@tpm = 40000\n### a\nuser: x', { fileName: '/project/x.llmbatch', defaultProvider: 'echo' });
    assert.deepEqual(loaded.rateLimits, { tpm: 40_000 });
  });

  it('are highlighted as the file\'s own settings, like @repeat', async () => {
    const lines = await tokenize('@rpm = 500\n@tpm = 90000\n### a\nuser: x');
    assert.ok(scopesOf(lines, 0, 'rpm').includes('keyword.other.directive.llmbatch'));
    assert.ok(scopesOf(lines, 1, 'tpm').includes('keyword.other.directive.llmbatch'));
  });
});
