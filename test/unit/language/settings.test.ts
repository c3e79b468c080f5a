import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, contents, errors, expandText, only } from './support';

describe('settings and sweeps', () => {
  it('reads JSON values as JSON and anything else as trimmed text', () => {
    const text = ['@a = "quoted text"', '@b = 0.5', '@c = plain text  ', '@d = 1.2.3', '@e = true', '@f = {"k": 1}', '@g = 007', '### x', 'user: {{a}}|{{b}}|{{c}}|{{d}}|{{e}}|{{f}}|{{g}}'].join('\n');
    assert.deepEqual(contents(expandText(text)), [['quoted text|0.5|plain text|1.2.3|true|{"k":1}|007']]);
  });

  it('expands several sweeps to their cross product, the last one varying fastest', () => {
    const result = expandText(['### grid', '@x = [1, 2]', '@y = ["a", "b", "c"]', 'user: {{x}}{{y}}'].join('\n'));
    assert.deepEqual(result.items.map((item) => item.request.messages[0]?.content), ['1a', '1b', '1c', '2a', '2b', '2c']);
    assert.deepEqual(result.items[4]?.variables, { x: 2, y: 'b' });
    assert.equal(result.blocks[0]?.requestCount, 6);
  });

  it('lets a block setting replace the header setting in its place in the sweep order', () => {
    const text = ['@model = ["m1", "m2"]', '@temperature = 0', '### a', '@temperature = [0.1, 0.2]', '@model = solo', 'user: x', '### b', 'user: y'].join('\n');
    const result = expandText(text);
    assert.deepEqual(result.items.map((item) => [item.id, item.request.model, item.request.temperature]), [
      ['a[temperature=0.1]', 'solo', 0.1],
      ['a[temperature=0.2]', 'solo', 0.2],
      ['b[model=m1]', 'm1', 0],
      ['b[model=m2]', 'm2', 0],
    ]);
    const settings = result.blocks[0]?.settings.map((setting) => [setting.key, setting.origin, setting.value, setting.sweep]);
    assert.deepEqual(settings, [
      ['model', 'block', 'solo', undefined],
      ['temperature', 'block', undefined, [0.1, 0.2]],
    ]);
  });

  it('sends only the parameters that are set, and null unsets a header parameter', () => {
    const result = expandText(['@temperature = 0.3', '@seed = 7', '### a', '@temperature = null', 'user: x'].join('\n'));
    assert.deepEqual(result.items[0]?.request, { provider: 'echo', messages: [{ role: 'user', content: 'x' }], stream: false, seed: 7 });
  });

  it('gives list-valued parameters literally and sweeps them as lists of lists', () => {
    const literal = expandText('@stop = ["\\n", "END"]\n### a\nuser: x');
    assert.deepEqual(literal.items.map((item) => [item.id, item.request.stop]), [['a', ['\n', 'END']]]);
    const swept = expandText('@stop = [["\\n"], ["END", "STOP"]]\n### a\nuser: x');
    assert.deepEqual(swept.items.map((item) => [item.id, item.request.stop]), [
      ['a[stop=["\\n"]]', ['\n']],
      ['a[stop=["END","STOP"]]', ['END', 'STOP']],
    ]);
    const tools = expandText('@tools = [{"type": "function", "function": {"name": "f"}}]\n### a\nuser: x');
    assert.deepEqual(tools.items[0]?.request.tools, [{ type: 'function', function: { name: 'f' } }]);
    const wrapped = expandText('@list = [[1, 2]]\n### a\nuser: {{list}}');
    assert.deepEqual(contents(wrapped), [['[1,2]']]);
  });

  it('reads a JSON value over several lines until its brackets close', () => {
    const text = [
      '### a',
      '@response_format = {',
      '  "type": "json_schema",',
      '  "json_schema": {"name": "answer", "schema": {"type": "object"}}',
      '}',
      '@temperature = 0',
      'user: x',
    ].join('\n');
    const result = expandText(text);
    assert.deepEqual(result.diagnostics, []);
    assert.deepEqual(result.items[0]?.request.response_format, { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' } } });
    assert.equal(result.items[0]?.request.temperature, 0);
    assert.deepEqual(at(result.document.blocks[0]!.settings[0]!.valueRange), [1, 19, 4, 1]);
  });

  it('fills variables into settings: {{name}} alone keeps the value as it is, text is filled in', () => {
    const text = ['@m = ["a", "b"]', '### x', '@model = {{m}}', '@user = id-{{m}}', '@metadata = {"who": "{{m}}"}', 'user: hi'].join('\n');
    const result = expandText(text);
    assert.deepEqual(result.items.map((item) => [item.id, item.request.model, item.request.user, item.request.metadata]), [
      ['x[m=a]', 'a', 'id-a', { who: 'a' }],
      ['x[m=b]', 'b', 'id-b', { who: 'b' }],
    ]);
  });

  it('sweeps a parameter through a variable that holds its values', () => {
    const result = expandText('@t = [0, 1]\n### a\n@temperature = {{t}}\nuser: at {{temperature}}');
    assert.deepEqual(result.items.map((item) => [item.id, item.request.temperature, item.request.messages[0]?.content]), [
      ['a[t=0]', 0, 'at 0'],
      ['a[t=1]', 1, 'at 1'],
    ]);
  });

  it('stops a JSON value that never closes at the next setting', () => {
    const result = expandText('### a\n@stop = ["x",\n@seed = 4\nuser: y');
    assert.deepEqual(result.diagnostics.map((d) => [d.code, at(d.range)]), [['bad-value', [1, 8, 1, 9]]]);
    assert.deepEqual(result.document.blocks[0]?.settings.map((setting) => setting.key), ['stop', 'seed']);
  });

  it('fills variables into other variables and reports cycles', () => {
    const filled = expandText(['@who = ["Ann", "Bo"]', '@greeting = Hello {{who}}!', '### a', 'user: {{greeting}}'].join('\n'));
    assert.deepEqual(contents(filled), [['Hello Ann!'], ['Hello Bo!']]);
    const cycle = expandText(['@a = x{{b}}', '@b = y{{a}}', '### a', 'user: {{a}}'].join('\n'));
    assert.match(only(cycle.diagnostics, 'variable-cycle').message, /^@a refers back to itself: @a → @b → @a$/);
    assert.deepEqual(cycle.items, []);
  });

  it('takes numbers for numeric parameters from data text', () => {
    const result = expandText('### a\n@data = t.csv\n@temperature = {{t}}\nuser: x', { 't.csv': 't\n0.5\n1.5\n' });
    assert.deepEqual(result.items.map((item) => item.request.temperature), [0.5, 1.5]);
  });

  it('repeats each expansion, every sample with its own id', () => {
    const result = expandText('### a\n@x = [1, 2]\n@repeat = 3\nuser: {{x}}');
    assert.deepEqual(result.items.map((item) => [item.id, item.sample]), [
      ['a[x=1]~1', 0],
      ['a[x=1]~2', 1],
      ['a[x=1]~3', 2],
      ['a[x=2]~1', 0],
      ['a[x=2]~2', 1],
      ['a[x=2]~3', 2],
    ]);
  });

  it('uses the default provider unless the file sets one, and carries @api_base on items', () => {
    const result = expandText(['@provider = openai', '@api_base = ["http://127.0.0.1:8000/v1", "http://127.0.0.1:9000/v1"]', '### a', 'user: x'].join('\n'));
    assert.deepEqual(result.items.map((item) => [item.request.provider, item.apiBase?.value, item.apiBase && at(item.apiBase.range)]), [
      ['openai', 'http://127.0.0.1:8000/v1', [1, 13, 1, 39]],
      ['openai', 'http://127.0.0.1:9000/v1', [1, 41, 1, 67]],
    ]);
    assert.equal(expandText('### a\nuser: x').items[0]?.request.provider, 'echo');
    const none = expandText('### a\nuser: x', {}, { defaultProvider: undefined });
    assert.equal(errors(none.diagnostics)[0]?.code, 'no-provider');
  });

  it('refuses blocks that would exceed the request limit', () => {
    const result = expandText('### small\nuser: x\n### big\n@a = [1, 2, 3]\n@b = [1, 2, 3]\nuser: {{a}}{{b}}', {}, { maxRequests: 5 });
    assert.deepEqual(result.items.map((item) => item.id), ['small']);
    const diagnostic = only(result.diagnostics, 'too-many-requests');
    assert.equal(diagnostic.message, 'this block makes 9 requests, which would take the file past the limit of 5; it is not expanded');
    assert.deepEqual(at(diagnostic.range), [2, 0, 2, 7]);
    assert.equal(result.blocks[1]?.requestCount, 9);
  });
});
