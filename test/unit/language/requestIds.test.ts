import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { expandText } from './support';

const ids = (text: string, files: Record<string, string> = {}) => expandText(text, files).items.map((item) => item.id);

describe('request ids', () => {
  it('name the block and the swept values, in setting order', () => {
    assert.deepEqual(ids('@model = ["a", "b"]\n### t\n@n = [1, 2]\nuser: x{{n}}'), ['t[model=a,n=1]', 't[model=a,n=2]', 't[model=b,n=1]', 't[model=b,n=2]']);
  });

  it('stay unique when values or names repeat', () => {
    assert.deepEqual(ids('### t\n@x = [0, 0, 0]\nuser: {{x}}'), ['t[x=0]', 't[x=0](2)', 't[x=0](3)']);
    assert.deepEqual(ids('### request-2\nuser: a\n###\nuser: b'), ['request-2', 'request-2(2)']);
  });

  it('shorten long values and show non-text values as JSON', () => {
    const long = 'x'.repeat(60);
    assert.deepEqual(ids(`### t\n@v = ["${long}", {"a": [1, 2]}]\nuser: {{v}}`), [`t[v=${'x'.repeat(39)}…]`, 't[v={"a":[1,2]}]']);
  });

  it('follow an @name template, keeping repeats apart', () => {
    const csv = 'id,text\nr-17,good\nr-18,bad\n';
    assert.deepEqual(ids('### t\n@data = d.csv\n@name = review-{{id}}\n@repeat = 2\nuser: {{text}}', { 'd.csv': csv }), [
      'review-r-17~1',
      'review-r-17~2',
      'review-r-18~1',
      'review-r-18~2',
    ]);
  });

  it('are the same for the same file', () => {
    const text = '@model = ["a", "b"]\n### t\n@x = [1, 2, 1]\nuser: {{x}} {{model}}';
    assert.deepEqual(ids(text), ids(text));
    assert.deepEqual(expandText(text).items.map((item) => item.request.messages[0]?.content), ['1 a', '2 a', '1 a', '1 b', '2 b', '1 b']);
  });
});
