import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { answerPreview, formatCompact, formatCost, formatDuration } from '../../../src/webview/logic/format';

describe('display formatting', () => {
  it('shows costs with enough digits that cheap requests do not read as zero', () => {
    assert.equal(formatCost(0), '$0');
    assert.equal(formatCost(1.234), '$1.23');
    assert.equal(formatCost(0.0456), '$0.046');
    assert.equal(formatCost(0.00002), '$0.00002');
    assert.equal(formatCost(0.0000456), '$0.000046');
    assert.equal(formatCost(0.0000001), '<$0.000001');
  });

  it('shortens durations and counts for table cells', () => {
    assert.equal(formatDuration(340), '340 ms');
    assert.equal(formatDuration(1234), '1.23 s');
    assert.equal(formatDuration(42_000), '42.0 s');
    assert.equal(formatDuration(184_000), '3 min 4 s');
    assert.equal(formatCompact(950), '950');
    assert.equal(formatCompact(12_345), '12k');
    assert.equal(formatCompact(1_500), '1.5k');
    assert.equal(formatCompact(4_100_000), '4.1M');
  });

  it('previews an answer on one line', () => {
    assert.equal(answerPreview('  First line\n\nSecond line \r\n third'), 'First line ⏎ Second line ⏎ third');
    assert.equal(answerPreview('x'.repeat(300), 10), `${'x'.repeat(10)}…`);
    assert.equal(answerPreview(undefined), '');
  });
});
