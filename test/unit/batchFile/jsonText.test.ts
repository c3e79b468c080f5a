import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { locateTopLevelValue } from '../../../src/core/batchFile/jsonLocate';
import { findJsonSyntaxError } from '../../../src/core/jsonSyntax';

describe('findJsonSyntaxError', () => {
  it('finds nothing wrong in valid JSON', () => {
    const samples = [
      '{}',
      ' [ ] ',
      '{"a": [1, -2.5e+3, 0, true, false, null, "x\\"y\\\\z\\u00e9\\n"], "b": {"c": {}}}',
      JSON.stringify({ text: 'tab\there, quote " and emoji 🎨', nested: [[[]]], n: 1e-7 }),
      '"just a string"',
    ];
    for (const sample of samples) assert.equal(findJsonSyntaxError(sample), undefined, sample);
  });

  it('reports nesting past the limit at the bracket that goes too deep, even in valid JSON', () => {
    const options = { maxDepth: 2, depthProblem: 'nested too deep' };
    assert.deepEqual(findJsonSyntaxError('[[[1]]]', options), { offset: 2, message: 'nested too deep' });
    assert.equal(findJsonSyntaxError('[[1], {"a": 2}]', options), undefined);
    assert.equal(findJsonSyntaxError('['.repeat(100_000) + ']'.repeat(100_000)), undefined);
  });

  it('points at the first offending character', () => {
    const cases: Array<[string, number, string]> = [
      ['{"a": 1,}', 8, 'unexpected "}": expected a "quoted" property name'],
      ['{a: 1}', 1, 'unexpected "a": expected a "quoted" property name'],
      ['{"a" 1}', 5, 'unexpected "1": expected ":" after the property name'],
      ['[1 2]', 3, 'unexpected "2": expected "," or "]"'],
      ['{"a": tru}', 6, 'unexpected "t": expected a value (text must be "quoted")'],
      ['{"a": 01}', 7, 'unexpected "1": expected "," or "}"'],
      ['{"a": "x\\q"}', 8, 'invalid escape in a string'],
      ['{"a": "\t"}', 6, 'this string is never closed on its line'],
      ['{"a": 1} {}', 9, 'unexpected "{": extra text after the value'],
      ['{"a": "open', 6, 'this string is never closed'],
    ];
    for (const [text, offset, message] of cases) {
      assert.deepEqual(findJsonSyntaxError(text), { offset, message }, text);
      assert.throws(() => JSON.parse(text), SyntaxError);
    }
  });
});

describe('locateTopLevelValue', () => {
  const text = '{"note": "has \\"custom_id\\": inside", "body": {"custom_id": 1, "temperature": 3}, "custom_id": "a"}';

  it('finds the property of the object itself, not one nested or quoted', () => {
    const span = locateTopLevelValue(text, 'custom_id');
    assert.ok(span);
    assert.equal(text.slice(span.start, span.end), '"a"');
    assert.equal(text.slice(span.keyStart, span.end), '"custom_id": "a"');
  });

  it('finds properties of a nested object given where it starts', () => {
    const body = locateTopLevelValue(text, 'body');
    assert.ok(body);
    const temperature = locateTopLevelValue(text, 'temperature', body.start);
    assert.ok(temperature);
    assert.equal(text.slice(temperature.start, temperature.end), '3');
    assert.equal(locateTopLevelValue(text, 'missing'), undefined);
  });
});
