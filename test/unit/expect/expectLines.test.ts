import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, contents, errors, expandText, only } from '../language/support';

const sources = (result: ReturnType<typeof expandText>) => result.items.map((item) => item.expect?.map((expectation) => expectation.source));

describe('expect: lines in .llmbatch files', () => {
  it('end the message before them like a role line, and \\expect: keeps one in the text', () => {
    const result = expandText(['### a', 'user: Say hi', 'politely.', 'expect: contains hi', '', '### b', 'user:', '\\expect: nothing', 'expect: json'].join('\n'));
    assert.deepEqual(errors(result.diagnostics), []);
    assert.deepEqual(contents(result), [['Say hi\npolitely.'], ['expect: nothing']]);
    assert.deepEqual(sources(result), [['contains hi'], ['json']]);
    assert.deepEqual(at(result.items[0]!.expect![0]!.range!), [3, 0, 3, 19]);
  });

  it('apply the header\'s to every block, the block\'s own added after them', () => {
    const result = expandText(['expect: not contains sorry', '', '### a', 'user: hi', 'expect: contains hi', '', '### b', 'user: yo'].join('\n'));
    assert.deepEqual(sources(result), [['not contains sorry', 'contains hi'], ['not contains sorry']]);
    // Lines without placeholders are built once and shared by the requests they score.
    assert.equal(result.items[0]!.expect![0], result.items[1]!.expect![0]);
  });

  it('fill {{var}} in arguments per request, from sweeps and data columns', () => {
    const csv = 'review,label\ngreat,positive\nawful,negative\n';
    const text = ['### classify', '@data = reviews.csv', '@tone = ["calm", "loud"]', 'user: {{tone}}: {{review}}', 'expect: equals {{label}}', 'expect: not icontains {{tone}}'].join('\n');
    const result = expandText(text, { 'reviews.csv': csv });
    assert.deepEqual(errors(result.diagnostics), []);
    assert.deepEqual(sources(result), [
      ['equals positive', 'not icontains calm'],
      ['equals positive', 'not icontains loud'],
      ['equals negative', 'not icontains calm'],
      ['equals negative', 'not icontains loud'],
    ]);
    // Data rows are not an axis of the scoreboard; swept settings and variables are.
    assert.deepEqual(result.items[0]!.swept, ['tone']);
  });

  it('are not part of the request, so not of its cache key', () => {
    const plain = expandText(['### a', '@model = ["m1", "m2"]', 'user: hi'].join('\n'));
    const scored = expandText(['### a', '@model = ["m1", "m2"]', 'user: hi', 'expect: contains hi'].join('\n'));
    assert.deepEqual(scored.items.map((item) => item.request), plain.items.map((item) => item.request));
    assert.deepEqual(plain.items.map((item) => item.expect), [undefined, undefined]);
    assert.deepEqual(scored.items.map((item) => item.swept), [['model'], ['model']]);
  });

  it('report an unknown check with did-you-mean, at the check\'s name', () => {
    const result = expandText(['### a', 'user: hi', 'expect: not contians sorry'].join('\n'));
    const problem = only(result.diagnostics, 'unknown-check');
    assert.equal(problem.message, 'unknown check "contians" — did you mean "contains"?');
    assert.deepEqual(at(problem.range), [2, 12, 2, 20]);
    assert.equal(result.items.length, 0);
  });

  it('report an invalid regex at the expression', () => {
    const problem = only(expandText(['### a', 'user: hi', 'expect: matches /(hi/'].join('\n')).diagnostics, 'invalid-regex');
    assert.deepEqual(at(problem.range), [2, 16, 2, 21]);
    assert.match(problem.message, /^invalid regular expression/);
  });

  it('report a missing or invalid schema file at its path, and read a good one relative to the file', () => {
    const missing = only(expandText(['### a', 'user: hi', 'expect: schema ./answer.schema.json'].join('\n')).diagnostics, 'schema-file');
    assert.equal(missing.message, 'cannot read the schema file ./answer.schema.json: no such file');
    assert.deepEqual(at(missing.range), [2, 15, 2, 35]);
    const invalid = only(expandText(['### a', 'user: hi', 'expect: not schema bad.json'].join('\n'), { 'bad.json': '{"type": ' }).diagnostics, 'schema-file');
    assert.match(invalid.message, /^the schema file bad.json is not JSON/);
    assert.equal(only(expandText(['### a', 'user: hi', 'expect: schema list.json'].join('\n'), { 'list.json': '[1]' }).diagnostics, 'schema-file').message, 'the schema file list.json is not a JSON Schema: a schema is an object (or true/false)');
    const good = expandText(['### a', 'user: hi', 'expect: schema s.json'].join('\n'), { 's.json': '{"type": "object"}' });
    assert.deepEqual(errors(good.diagnostics), []);
    assert.deepEqual(good.items[0]!.expect![0]!.check, { kind: 'schema', path: 's.json', schema: { type: 'object' } });
    assert.deepEqual(good.reads, ['/project/s.json']);
  });

  it('report judge without @judge_model at the word judge, and give judges their grader', () => {
    const problem = only(expandText(['### a', 'user: hi', 'expect: not judge Is polite.'].join('\n')).diagnostics, 'judge-model');
    assert.deepEqual(at(problem.range), [2, 12, 2, 17]);
    assert.match(problem.message, /@judge_model/);
    const graded = expandText(['@judge_model = gpt-4o-mini', '@judge_provider = echo', '### a', 'user: hi', 'expect: judge Is polite.'].join('\n'));
    assert.deepEqual(errors(graded.diagnostics), []);
    assert.deepEqual(graded.items[0]!.expect![0]!.check, { kind: 'judge', rubric: 'Is polite.', grader: { model: 'gpt-4o-mini', provider: 'echo' } });
    // Grader settings are the file's own, never sent with the request.
    assert.equal('judge_model' in graded.items[0]!.request, false);
  });

  it('report an unknown {{var}} in an argument, and a filled-in argument that is malformed, with its data row', () => {
    const unknown = only(expandText(['### a', '@lang = ["fr"]', 'user: hi {{lang}}', 'expect: contains {{lnag}}'].join('\n')).diagnostics, 'unknown-variable');
    assert.equal(unknown.message, 'unknown variable {{lnag}} — did you mean {{lang}}?');
    assert.deepEqual(at(unknown.range), [3, 17, 3, 25]);
    const csv = 'q,pattern\na,/ok/\nb,/(/\n';
    const result = expandText(['### a', '@data = d.csv', 'user: {{q}}', 'expect: matches {{pattern}}'].join('\n'), { 'd.csv': csv });
    const problem = only(result.diagnostics, 'invalid-expectation');
    assert.match(problem.message, /^invalid regular expression: .* — in "expect: matches \/\(\/" \(d\.csv row 2\)$/);
    assert.deepEqual(result.items.map((item) => item.id), ['a#row1']);
  });
});
