import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../../../src/core/language/data/csv';
import { at, contents, errors, expandText, only } from './support';

const block = (data: string) => `### rows\n@data = ${data}\nuser: {{a}}|{{b}}`;

describe('CSV data', () => {
  it('reads quoted commas, doubled quotes, embedded newlines, a BOM and CRLF line ends', () => {
    const csv = '\uFEFFa,b\r\n"x, y","say ""hi"""\r\n"line 1\r\nline 2",plain\r\n,\r\n';
    const result = expandText(block('./t.csv'), { 't.csv': csv });
    assert.deepEqual(result.diagnostics, []);
    assert.deepEqual(contents(result), [['x, y|say "hi"'], ['line 1\r\nline 2|plain'], ['|']]);
    assert.deepEqual(result.items.map((item) => item.id), ['rows#row1', 'rows#row2', 'rows#row3']);
    assert.deepEqual(result.items[0]?.variables, { a: 'x, y', b: 'say "hi"' });
  });

  it('splits records the way RFC 4180 describes', () => {
    assert.deepEqual(
      parseCsv('h1,h2\n"a\n""b""",c\r"",\n\nlast,"x"').records.map((record) => [record.line, record.fields]),
      [
        [1, ['h1', 'h2']],
        [2, ['a\n"b"', 'c']],
        [4, ['', '']],
        [6, ['last', 'x']],
      ],
    );
    const unclosed = parseCsv('a,"open\nnever closed');
    assert.deepEqual(unclosed.problems, [{ line: 1, message: 'a quoted field is never closed' }]);
    assert.equal(unclosed.records[0]?.broken, true);
    assert.deepEqual(parseCsv('a,b,').records[0]?.fields, ['a', 'b', '']);
    assert.deepEqual(parseCsv('5" screen,ok').records[0]?.fields, ['5" screen', 'ok']);
  });

  it('leaves ragged rows out with an error at the @data value naming the line', () => {
    const result = expandText(block('t.csv'), { 't.csv': 'a,b\n1,2\n3\n4,5,6\n7,8\n' });
    assert.deepEqual(contents(result), [['1|2'], ['7|8']]);
    assert.deepEqual(result.items.map((item) => item.id), ['rows#row1', 'rows#row4']);
    assert.deepEqual(
      errors(result.diagnostics).map((diagnostic) => [diagnostic.message, at(diagnostic.range)]),
      [
        ['t.csv line 3: this row has 1 field but the header has 2, so it is left out', [1, 8, 1, 13]],
        ['t.csv line 4: this row has 3 fields but the header has 2, so it is left out', [1, 8, 1, 13]],
      ],
    );
  });

  it('leaves out a row with text after a closing quote, keeping the numbers of later rows', () => {
    const result = expandText(block('t.csv'), { 't.csv': 'a,b\n"x"y,1\n2,3\n' });
    assert.deepEqual(result.items.map((item) => item.id), ['rows#row2']);
    assert.deepEqual(errors(result.diagnostics).map((diagnostic) => diagnostic.message), [
      't.csv line 2: unexpected text after a closing quote (quotes inside a quoted field are written twice: "")',
    ]);
  });

  it('reports a missing file at the @data value, and reads each file once', () => {
    const result = expandText(['@data = ./reviews.csv', '### a', 'user: {{review}}', '### b', 'user: {{review}}!'].join('\n'));
    const [diagnostic, ...rest] = errors(result.diagnostics);
    assert.equal(diagnostic?.message, 'reviews.csv: no such file');
    assert.deepEqual(at(diagnostic!.range), [0, 8, 0, 21]);
    assert.deepEqual(rest, []);
    assert.deepEqual(result.items, []);
    assert.deepEqual(result.reads, ['/project/reviews.csv']);
  });

  it('warns about a data file without rows and refuses text that is not UTF-8', () => {
    const empty = expandText(block('t.csv'), { 't.csv': 'a,b\n' });
    assert.equal(only(empty.diagnostics, 'data-empty').message, 't.csv has no data rows, so this block sends no requests');
    const garbled = expandText(block('t.csv'), { 't.csv': 'a,b\n1,caf\uFFFD\n' });
    assert.equal(only(garbled.diagnostics, 'data-file').message, 't.csv: it is not valid UTF-8 text (line 2 has a byte sequence that cannot be read); save it as UTF-8');
    assert.deepEqual(garbled.items, []);
  });

  it('reads TSV files by their extension', () => {
    assert.deepEqual(contents(expandText(block('t.tsv'), { 't.tsv': 'a\tb\nx, y\tz\n' })), [['x, y|z']]);
  });
});

describe('JSON Lines and JSON data', () => {
  it('makes each JSONL object a row, keeping JSON types', () => {
    const jsonl = '{"a": "x", "b": 1}\n\n{"a": "y", "b": [1, 2]}\r\n';
    const result = expandText(block('t.jsonl'), { 't.jsonl': jsonl });
    assert.deepEqual(contents(result), [['x|1'], ['y|[1,2]']]);
    assert.deepEqual(result.items[1]?.variables, { a: 'y', b: [1, 2] });
  });

  it('leaves out bad JSONL lines and rows missing a used field, saying which', () => {
    const jsonl = '{"a": "x", "b": 1}\n{"a": \n[1]\n{"a": "only a"}\n';
    const result = expandText(block('t.jsonl'), { 't.jsonl': jsonl });
    assert.deepEqual(contents(result), [['x|1']]);
    assert.deepEqual(errors(result.diagnostics).map((diagnostic) => diagnostic.message), [
      't.jsonl line 2: not valid JSON (this { is never closed at column 1), so this row is left out',
      't.jsonl line 3: each row must be a JSON object such as {"review": "…"}, so this one is left out',
      't.jsonl row 4 has no value for {{b}}, so its request is left out',
    ]);
  });

  it('reads a .json list of objects', () => {
    assert.deepEqual(contents(expandText(block('t.json'), { 't.json': '[{"a": 1, "b": 2}, {"a": 3, "b": 4}]' })), [['1|2'], ['3|4']]);
  });
});
