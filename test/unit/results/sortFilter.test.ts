import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { columnsFor, columnsThatFit, sweptParameterNames } from '../../../src/webview/logic/columns';
import { buildDisplayList, rowMatches, sortRows } from '../../../src/webview/logic/sortFilter';
import { summarize } from '../../../src/webview/logic/summary';
import type { ResultRow } from '../../../src/webview/protocol';
import { row } from './fixtures';

const rows: ResultRow[] = [
  row('q-1', { index: 0, block: 'greet', model: 'gpt-4o', parameters: { temperature: '0', seed: '1' }, variables: { lang: 'fr' }, status: 'ok', latencyMs: 300, promptTokens: 10, completionTokens: 5, costUsd: 0.01, answer: 'Bonjour' }),
  row('q-2', { index: 1, block: 'greet', model: 'gpt-4o', parameters: { temperature: '1', seed: '1' }, variables: { lang: 'de' }, status: 'failed', latencyMs: 50, error: 'rate_limited: Too many requests' }),
  row('q-10', { index: 2, block: 'farewell', model: 'o3', parameters: { seed: '1' }, variables: { lang: 'fr' }, status: 'cached', latencyMs: 2, promptTokens: 10, completionTokens: 7, answer: 'Au revoir' }),
  row('q-3', { index: 3, block: 'farewell', model: 'o3', parameters: { seed: '1' }, variables: { lang: 'es' }, status: 'running' }),
];

const ids = (list: readonly ResultRow[]) => list.map((entry) => entry.id);

describe('columns', () => {
  it('shows a column for each variable and for each parameter that varies, not for constant ones', () => {
    assert.deepEqual(sweptParameterNames(rows), ['temperature']);
    const keys = columnsFor(rows).map((column) => column.key);
    assert.deepEqual(keys, ['id', 'block', 'model', 'var:lang', 'param:temperature', 'status', 'latency', 'tokens', 'cost', 'answer']);
  });

  it('drops the least important columns first when the panel is narrow, never request, status or answer', () => {
    const all = columnsFor(rows);
    const narrow = columnsThatFit(all, 400).map((column) => column.key);
    assert.ok(narrow.includes('id') && narrow.includes('status') && narrow.includes('answer'));
    assert.ok(!narrow.includes('block') && !narrow.includes('cost'));
    assert.equal(columnsThatFit(all, 5000).length, all.length);
  });

  it('shows a failed row its error in the answer column', () => {
    const answer = columnsFor(rows).find((column) => column.key === 'answer')!;
    assert.equal(answer.text(rows[1]!), 'rate_limited: Too many requests');
    assert.equal(answer.text(row('x', { answer: 'line one\nline two' })), 'line one ⏎ line two');
  });
});

describe('sort', () => {
  const columns = columnsFor(rows);
  const by = (key: string) => columns.find((column) => column.key === key)!;

  it('sorts numbers numerically with empty cells last in both directions', () => {
    assert.deepEqual(ids(sortRows(rows, by('latency'), false)), ['q-10', 'q-2', 'q-1', 'q-3']);
    assert.deepEqual(ids(sortRows(rows, by('latency'), true)), ['q-1', 'q-2', 'q-10', 'q-3']);
    assert.deepEqual(ids(sortRows(rows, by('cost'), true)), ['q-1', 'q-2', 'q-10', 'q-3']);
  });

  it('sorts text naturally (q-2 before q-10) and keeps run order for ties', () => {
    assert.deepEqual(ids(sortRows(rows, by('var:lang'), false)), ['q-2', 'q-3', 'q-1', 'q-10']);
    assert.deepEqual(ids(sortRows([...rows].reverse(), undefined, false)), ['q-1', 'q-2', 'q-10', 'q-3']);
  });

  it('puts failures first when sorting by status', () => {
    assert.deepEqual(ids(sortRows(rows, by('status'), false)), ['q-2', 'q-3', 'q-1', 'q-10']);
  });
});

describe('filter', () => {
  it('filters by status: succeeded includes cached answers', () => {
    assert.deepEqual(ids(rows.filter((entry) => rowMatches(entry, 'ok', ''))), ['q-1', 'q-10']);
    assert.deepEqual(ids(rows.filter((entry) => rowMatches(entry, 'failed', ''))), ['q-2']);
    assert.deepEqual(ids(rows.filter((entry) => rowMatches(entry, 'pending', ''))), ['q-3']);
  });

  it('matches every word of the text anywhere in the row, ignoring case', () => {
    assert.deepEqual(ids(rows.filter((entry) => rowMatches(entry, 'all', 'bonjour'))), ['q-1']);
    assert.deepEqual(ids(rows.filter((entry) => rowMatches(entry, 'all', 'FR revoir'))), ['q-10']);
    assert.deepEqual(ids(rows.filter((entry) => rowMatches(entry, 'all', 'too many'))), ['q-2']);
    assert.deepEqual(ids(rows.filter((entry) => rowMatches(entry, 'failed', 'bonjour'))), []);
  });
});

describe('display list', () => {
  const columns = columnsFor(rows);

  it('groups by block in run order with counts, sorting inside each group', () => {
    const entries = buildDisplayList(rows, columns, { statusFilter: 'all', text: '', groupByBlock: true, sort: { column: 'id', descending: true } });
    assert.deepEqual(
      entries.map((entry) => (entry.kind === 'group' ? `[${entry.block} ${entry.count}/${entry.failed}]` : entry.row.id)),
      ['[greet 2/1]', 'q-2', 'q-1', '[farewell 2/0]', 'q-3', 'q-10'],
    );
  });

  it('hides the rows of a collapsed group but keeps its header', () => {
    const entries = buildDisplayList(rows, columns, { statusFilter: 'all', text: '', groupByBlock: true, collapsed: new Set(['greet']) });
    assert.deepEqual(
      entries.map((entry) => (entry.kind === 'group' ? `[${entry.block}]` : entry.row.id)),
      ['[greet]', '[farewell]', 'q-10', 'q-3'],
    );
  });
});

describe('summary', () => {
  it('adds up statuses, tokens and what this run spent (cached answers cost nothing now)', () => {
    const totals = summarize(rows);
    assert.equal(totals.total, 4);
    assert.equal(totals.ok, 1);
    assert.equal(totals.cached, 1);
    assert.equal(totals.failed, 1);
    assert.equal(totals.running, 1);
    assert.equal(totals.done, 3);
    assert.equal(totals.promptTokens, 20);
    assert.equal(totals.completionTokens, 12);
    assert.equal(totals.fetchedTokens, 15);
    assert.equal(totals.costUsd, 0.01);
    assert.equal(totals.costComplete, true);
    assert.equal(summarize([row('u', { status: 'ok', answer: 'no price' })]).costComplete, false);
  });
});
