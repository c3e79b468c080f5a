import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadBatchText } from '../../../src/core/batchFile/loadBatch';
import type { BatchItem } from '../../../src/core/models';
import { at, expandText, only } from './support';

const ids = (text: string) => expandText(text).items.map((item) => item.id);

describe('request ids across blocks', () => {
  it('stay unique when a block is named like the requests of another', () => {
    assert.deepEqual(ids('### a[x=1]\nuser: p\n### a\n@x = [1, 2]\nuser: {{x}}'), ['a[x=1]', 'a[x=1](2)', 'a[x=2]']);
    assert.deepEqual(ids('### a~2\nuser: p\n### a\n@repeat = 2\nuser: q'), ['a~2', 'a~1', 'a~2(2)']);
    assert.deepEqual(ids('### t\n@name = b\nuser: p\n### b\nuser: q\n### c\nuser: r'), ['b', 'b(2)', 'c']);
  });

  it('stay unique when swept values read alike in an id', () => {
    assert.deepEqual(ids('### t\n@x = ["a,y=b", "a"]\n@y = ["c", "b,y=c"]\nuser: {{x}}{{y}}'), [
      't[x=a,y=b,y=c]',
      't[x=a,y=b,y=b,y=c]',
      't[x=a,y=c]',
      't[x=a,y=b,y=c](2)',
    ]);
  });
});

describe('data files past the request limit', () => {
  const csv = (rows: number) => ['id,text', ...Array.from({ length: rows }, (_, i) => (i === rows - 1 ? 'short' : `${i},t${i}`))].join('\n');

  it('still count every row and report every bad one', () => {
    const result = expandText('### big\n@data = d.csv\n@x = [1, 2]\nuser: {{id}} {{text}} {{x}}', { 'd.csv': csv(13) }, { maxRequests: 5 });
    assert.equal(result.items.length, 0);
    const diagnostic = only(result.diagnostics, 'too-many-requests');
    assert.equal(diagnostic.message, 'this block makes 24 requests, which would take the file past the limit of 5; it is not expanded');
    assert.deepEqual(at(diagnostic.range), [0, 0, 0, 7]);
    assert.equal(only(result.diagnostics, 'data-row').message, 'd.csv line 14: this row has 1 field but the header has 2, so it is left out');
    assert.equal(result.blocks[0]?.requestCount, 24);
    assert.equal(result.blocks[0]?.data?.rows, 12);
  });

  it('expand in full up to the limit', () => {
    const result = expandText('### rows\n@data = d.csv\nuser: {{text}}', { 'd.csv': csv(6) }, { maxRequests: 5 });
    assert.deepEqual(
      result.items.map((item) => [item.id, item.request.messages[0]?.content, item.variables]),
      [0, 1, 2, 3, 4].map((i) => [`rows#row${i + 1}`, `t${i}`, { id: String(i), text: `t${i}` }]),
    );
  });
});

describe('a loaded file', () => {
  const text = '@provider = openai\n### a\n@x = [1, 2]\nuser: {{x}}\n### b\n@provider = echo\nuser: q\n### c\nuser: r';
  const batch = loadBatchText(text, { fileName: '/project/t.llmbatch', defaultProvider: 'echo', readFile: () => '' });

  it('tells the block of each request', () => {
    assert.deepEqual(
      batch.items.map((item) => [item.id, batch.blockOf(item)?.name, batch.blockOf(item)?.index]),
      [
        ['a[x=1]', 'a', 0],
        ['a[x=2]', 'a', 0],
        ['b', 'b', 1],
        ['c', 'c', 2],
      ],
    );
    assert.deepEqual(
      batch.blocks.map((block) => block.name),
      ['a', 'b', 'c'],
    );
    const stranger: BatchItem = { id: 'z', request: batch.items[0]!.request, block: 'z' };
    assert.equal(batch.blockOf(stranger), undefined);
  });

  it('tells where the provider of each request is written', () => {
    assert.deepEqual(
      batch.items.map((item) => { const range = batch.providerRangeOf(item); return range && at(range); }),
      [
        [0, 12, 0, 18],
        [0, 12, 0, 18],
        [5, 12, 5, 16],
        [0, 12, 0, 18],
      ],
    );
  });
});
