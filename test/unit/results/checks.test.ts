import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { columnsFor, columnsThatFit } from '../../../src/webview/logic/columns';
import { buildDisplayList } from '../../../src/webview/logic/sortFilter';
import { describeAxisFilter, rowMatchesAxis, sortScoreboardRows } from '../../../src/webview/logic/checks';
import { buildVariantMatrix, columnPassCounts } from '../../../src/webview/logic/matrix';
import { summarize } from '../../../src/webview/logic/summary';
import type { ResultRow, ScoreboardRow } from '../../../src/webview/protocol';
import { row } from './fixtures';

const rows: ResultRow[] = [
  row('a', { index: 0, block: 'classify', model: 'm-1', variables: { model: 'm-1', tone: 'dry' }, answer: 'positive', checks: { passed: 3, total: 3 } }),
  row('b', { index: 1, block: 'classify', model: 'm-2', variables: { model: 'm-2', tone: 'dry' }, answer: 'Sorry, positive', checks: { passed: 1, total: 3 } }),
  row('c', { index: 2, block: 'classify', model: 'm-1', variables: { model: 'm-1', tone: 'very  warm' }, answer: 'negative', checks: { passed: 2, total: 3, error: true } }),
  row('d', { index: 3, block: 'classify', model: 'm-2', variables: { model: 'm-2', tone: 'very  warm' }, status: 'failed', error: 'server_error: boom' }),
  row('e', { index: 4, block: 'other', model: 'm-1', answer: 'no expectations here' }),
];

const ids = (list: readonly ResultRow[]) => list.map((entry) => entry.id);
const view = (options: Partial<Parameters<typeof buildDisplayList>[2]> = {}) =>
  ids(buildDisplayList(rows, columnsFor(rows), { statusFilter: 'all', text: '', groupByBlock: false, ...options }).flatMap((entry) => (entry.kind === 'row' ? [entry.row] : [])));

describe('checks in the results table', () => {
  it('adds a checks column after the status, reading ✓ 3/3 or ✗ 1/3, blank where nothing was scored', () => {
    const columns = columnsFor(rows);
    const keys = columns.map((column) => column.key);
    assert.equal(keys[keys.indexOf('status') + 1], 'checks');
    const checks = columns.find((column) => column.key === 'checks')!;
    assert.deepEqual(rows.map((entry) => checks.text(entry)), ['✓ 3/3', '✗ 1/3', '✗ 2/3', '', '']);
  });

  it('keeps the checks column however narrow the panel', () => {
    assert.deepEqual(columnsThatFit(columnsFor(rows), 300).map((column) => column.key), ['id', 'status', 'checks', 'answer']);
  });

  it('has no checks column when no answer has expectations', () => {
    assert.ok(!columnsFor([rows[4]!]).some((column) => column.key === 'checks'));
  });

  it('sorts by the share of checks passed, unscored rows last', () => {
    assert.deepEqual(view({ sort: { column: 'checks', descending: false } }), ['b', 'c', 'a', 'd', 'e']);
  });

  it('filters to the answers that failed a check, leaving out failed requests and rows without expectations', () => {
    assert.deepEqual(view({ statusFilter: 'checksFailed' }), ['b', 'c']);
  });

  it('narrows the table to one value of a swept axis of one block, whitespace as the scoreboard writes it', () => {
    assert.deepEqual(view({ axis: { block: 'classify', axis: 'model', value: 'm-1' } }), ['a', 'c']);
    assert.deepEqual(view({ axis: { block: 'classify', axis: 'tone', value: 'very warm' } }), ['c', 'd']);
    assert.deepEqual(view({ axis: { block: 'other', axis: 'model', value: 'm-1' } }), ['e']);
    assert.deepEqual(view({ axis: { block: 'classify', axis: 'tone', value: 'very warm' }, statusFilter: 'checksFailed' }), ['c']);
    assert.ok(rowMatchesAxis(row('x', { block: 'b', variables: { v: 'a long value that was cut' } }), { block: 'b', axis: 'v', value: 'a long val…' }));
    assert.equal(describeAxisFilter({ block: 'classify', axis: 'model', value: 'm-1' }), 'classify · model = m-1');
  });

  it('counts the answers that passed every check in the summary', () => {
    assert.deepEqual(summarize(rows).checks, { scored: 3, passed: 1 });
  });
});

describe('checks in the compare view', () => {
  it('gives each column the pass count of its scored answers', () => {
    const matrix = buildVariantMatrix(rows, 'classify');
    assert.deepEqual(matrix.columns.map((column) => column.label), ['m-1', 'm-2']);
    assert.deepEqual(columnPassCounts(matrix), [{ scored: 2, passed: 1 }, { scored: 1, passed: 0 }]);
  });
});

describe('scoreboard order', () => {
  const board = (value: string, fields: Partial<ScoreboardRow>): ScoreboardRow => ({ axis: 'model', value, scored: 4, passed: 2, passRate: 0.5, errors: 0, meanLatencyMs: 100, meanTokens: 50, ...fields });
  const ranked = [board('best', { passed: 4, passRate: 1, meanLatencyMs: 900, meanCostUsd: 0.003 }), board('fast', { meanLatencyMs: 40, meanTokens: 80 }), board('unscored', { scored: 0, passed: 0, passRate: 0, meanLatencyMs: 10, meanCostUsd: 0.001 })];
  const values = (list: readonly ScoreboardRow[]) => list.map((entry) => entry.value);

  it('keeps the command line’s ranking until a column is picked', () => {
    assert.deepEqual(values(sortScoreboardRows(ranked, undefined)), ['best', 'fast', 'unscored']);
  });

  it('sorts by latency, tokens or cost, values without the figure last in either direction', () => {
    assert.deepEqual(values(sortScoreboardRows(ranked, { column: 'latency', descending: false })), ['unscored', 'fast', 'best']);
    assert.deepEqual(values(sortScoreboardRows(ranked, { column: 'tokens', descending: true })), ['fast', 'best', 'unscored']);
    assert.deepEqual(values(sortScoreboardRows(ranked, { column: 'cost', descending: false })), ['unscored', 'best', 'fast']);
    assert.deepEqual(values(sortScoreboardRows(ranked, { column: 'passRate', descending: false })), ['fast', 'best', 'unscored']);
  });
});
