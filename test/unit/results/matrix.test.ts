import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildRunMatrix, buildVariantMatrix, compareBlocks, defaultCompareBlock, rowDiffers } from '../../../src/webview/logic/matrix';
import type { ResultRow } from '../../../src/webview/protocol';
import { row } from './fixtures';

/** A block sweeping two models × two temperatures over two cities, plus a one-request block. */
function sweep(): ResultRow[] {
  const rows: ResultRow[] = [];
  let index = 0;
  for (const city of ['Paris', 'Oslo']) {
    for (const model of ['gpt-4o', 'gpt-4o-mini']) {
      for (const temperature of ['0', '1']) {
        const answer = city === 'Paris' ? 'Paris is the capital.' : `Oslo (${model}, t=${temperature})`;
        rows.push(row(`capital-${index}`, { index: index++, block: 'capital', model, variables: { city }, parameters: { temperature, max_tokens: '50' }, answer }));
      }
    }
  }
  rows.push(row('single', { index: index++, block: 'single', model: 'gpt-4o', answer: 'x' }));
  return rows;
}

describe('compare matrix', () => {
  it('lists the blocks with their sizes and opens on the first one with variants', () => {
    const blocks = compareBlocks([row('s', { block: 'single' }), ...sweep()]);
    assert.deepEqual(blocks, [
      { block: 'single', count: 2 },
      { block: 'capital', count: 8 },
    ]);
    assert.equal(defaultCompareBlock(blocks), 'single');
    assert.equal(defaultCompareBlock(compareBlocks([row('s', { block: 'one' }), ...sweep()])), 'capital');
  });

  it('puts variable values in rows and model × swept parameter variants in columns', () => {
    const matrix = buildVariantMatrix(sweep(), 'capital');
    assert.deepEqual(matrix.variableNames, ['city']);
    assert.deepEqual(
      matrix.columns.map((column) => column.label),
      ['gpt-4o · temperature=0', 'gpt-4o · temperature=1', 'gpt-4o-mini · temperature=0', 'gpt-4o-mini · temperature=1'],
    );
    assert.deepEqual(
      matrix.rows.map((matrixRow) => matrixRow.values),
      [['Paris'], ['Oslo']],
    );
    const oslo = matrix.rows[1]!;
    assert.deepEqual(
      oslo.cells.map((cell) => cell.map((result) => result.answer)),
      [['Oslo (gpt-4o, t=0)'], ['Oslo (gpt-4o, t=1)'], ['Oslo (gpt-4o-mini, t=0)'], ['Oslo (gpt-4o-mini, t=1)']],
    );
  });

  it('tells rows whose answers differ from rows where every variant agrees', () => {
    const matrix = buildVariantMatrix(sweep(), 'capital');
    assert.deepEqual(
      matrix.rows.map((matrixRow) => rowDiffers(matrixRow)),
      [false, true],
    );
  });

  it('counts a failure or a missing answer as a difference, but ignores surrounding whitespace', () => {
    const rows = [
      row('a', { index: 0, block: 'b', model: 'm1', answer: 'same' }),
      row('b', { index: 1, block: 'b', model: 'm2', answer: ' same\n' }),
    ];
    assert.equal(rowDiffers(buildVariantMatrix(rows, 'b').rows[0]!), false);
    const withFailure = [...rows, row('c', { index: 2, block: 'b', model: 'm3', status: 'failed', error: 'timeout: no answer' })];
    assert.equal(rowDiffers(buildVariantMatrix(withFailure, 'b').rows[0]!), true);
  });

  it('stacks repeated samples of the same variant in one cell', () => {
    const rows = [0, 1, 2].map((sample) => row(`r#${sample}`, { index: sample, block: 'b', model: 'm', variables: { topic: 'cats' }, answer: `take ${sample}` }));
    const matrix = buildVariantMatrix(rows, 'b');
    assert.equal(matrix.columns.length, 1);
    assert.equal(matrix.rows.length, 1);
    assert.equal(matrix.rows[0]!.cells[0]!.length, 3);
  });

  it('treats a swept variable named like a parameter as a column, not a row', () => {
    const rows = ['0.2', '0.8'].map((temperature, i) => row(`t${i}`, { index: i, block: 'b', model: 'm', variables: { temperature, topic: 'x' }, parameters: { temperature }, answer: temperature }));
    const matrix = buildVariantMatrix(rows, 'b');
    assert.deepEqual(matrix.variableNames, ['topic']);
    assert.equal(matrix.columns.length, 2);
    assert.equal(matrix.rows.length, 1);
  });

  it('sets a run beside an earlier one, matched by request id', () => {
    const current = [row('a', { block: 'b', answer: 'new a' }), row('b', { block: 'b', answer: 'same' })];
    const earlier = [row('b', { block: 'b', answer: 'same' }), row('gone', { block: 'b', answer: 'old' }), row('a', { block: 'b', answer: 'old a' })];
    const matrix = buildRunMatrix(current, earlier, 'b', ['now', 'then']);
    assert.deepEqual(
      matrix.columns.map((column) => column.label),
      ['now', 'then'],
    );
    assert.deepEqual(
      matrix.rows.map((matrixRow) => [matrixRow.key, matrixRow.cells.map((cell) => cell[0]?.answer ?? null)]),
      [
        ['a', ['new a', 'old a']],
        ['b', ['same', 'same']],
        ['gone', [null, 'old']],
      ],
    );
    assert.deepEqual(
      matrix.rows.map(rowDiffers),
      [true, false, true],
    );
  });
});
