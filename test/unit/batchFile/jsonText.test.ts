import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { locateTopLevelValue } from '../../../src/core/batchFile/jsonLocate';
import { findJsonSyntaxError } from '../../../src/core/batchFile/jsonSyntax';

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

  it('points at the first offending character', () => {
    const cases: Array<[string, number, string]> = [
      ['{"a": 1,}', 8, 'expected a property name in double quotes'],
      ['{a: 1}', 1, 'expected a property name in double quotes'],
      ['{"a" 1}', 5, "expected ':' after a property name"],
      ['[1 2]', 3, "expected ',' or ']' after an array element"],
      ['{"a": tru}', 6, 'expected a value'],
      ['{"a": 01}', 7, "expected ',' or '}' after a property value"],
      ['{"a": "x\\q"}', 8, 'invalid escape in a string'],
      ['{"a": "\t"}', 7, 'control character inside a string (write it as an escape such as \\n)'],
      ['{"a": 1} {}', 9, 'unexpected text after the JSON value'],
      ['{"a": "open', 11, 'unterminated string, but the line ends'],
    ];
    for (const [text, offset, problem] of cases) {
      assert.deepEqual(findJsonSyntaxError(text), { offset, problem }, text);
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
