import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatCount, lensesFor } from '../../../src/extension/editor/lensModel';
import { foldingRegions } from '../../../src/extension/editor/foldingRegions';
import { loadExample, parseText } from './exampleFile';

describe('CodeLens', () => {
  it('offers to run the file and each block with their request counts', () => {
    const { document, expansion, find } = loadExample();
    const lenses = lensesFor(document, expansion);
    assert.deepEqual(
      lenses.map((lens) => [lens.line, lens.title, lens.command, lens.blockIndex]),
      [
        [0, '▶ Run all · 45 requests', 'llmbatch.runBatch', undefined],
        [0, 'Dry run', 'llmbatch.dryRun', undefined],
        [find('### translate')[0], '▶ Run · 12 requests', 'llmbatch.runBlock', 0],
        [find('### summarize-notes')[0], '▶ Run · 1 request', 'llmbatch.runBlock', 1],
        [find('### classify')[0], '▶ Run · 32 requests', 'llmbatch.runBlock', 2],
      ],
    );
  });

  it('points at the problems instead of running when the file has errors', () => {
    const { document, expansion } = parseText(['@temperature = 3', '', '### a', 'user: hi {{lnag}}', '', '### b', 'user: fine'].join('\n'));
    assert.deepEqual(
      lensesFor(document, expansion).map((lens) => [lens.line, lens.title, lens.command]),
      [
        [0, '⚠ 2 problems', 'workbench.actions.view.problems'],
        [2, '⚠ 1 problem', 'workbench.actions.view.problems'],
        [5, '1 request', 'workbench.actions.view.problems'],
      ],
    );
  });

  it('gives a file without ### lines one run lens and an empty file none', () => {
    const single = parseText('@model = ["a", "b"]\nuser: hi');
    assert.deepEqual(lensesFor(single.document, single.expansion).map((lens) => lens.title), ['▶ Run all · 2 requests', 'Dry run']);
    const empty = parseText('# nothing yet\n');
    assert.deepEqual(lensesFor(empty.document, empty.expansion), []);
  });

  it('writes large counts with thousands separators', () => {
    assert.deepEqual([0, 999, 1000, 100000, 1234567].map(formatCount), ['0', '999', '1,000', '100,000', '1,234,567']);
  });
});

describe('folding', () => {
  it('folds each block, the header, and messages or values over several lines', () => {
    const { document, find } = loadExample();
    const regions = foldingRegions(document);
    const block = (name: string) => regions.find((region) => region.start === find(`### ${name}`)[0]);
    // A block's expect: lines (and comments after them) are part of it.
    assert.deepEqual(block('translate'), { start: find('### translate')[0], end: find('expect: tokens')[0] });
    assert.deepEqual(block('classify'), { start: find('### classify')[0], end: find('# expect: judge')[0] });
    assert.ok(regions.some((region) => region.start === 0 && region.end === find('expect: not icontains')[0]));
    // The summarize-notes message: from its role line (just above the escaped separator) to its last line.
    assert.ok(regions.some((region) => region.start === find('\\###')[0] - 1 && region.end === find('Summarize')[0]));
    const json = parseText(['@tools = [', '  {"type": "function"}', ']', '### a', 'user: hi'].join('\n'));
    assert.ok(foldingRegions(json.document).some((region) => region.start === 0 && region.end === 2));
  });
});
