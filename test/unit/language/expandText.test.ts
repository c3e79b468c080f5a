import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandDocument } from '../../../src/core/language/expand/expandDocument';
import { expandText } from '../../../src/core/language/parseLlmbatch';
import type { ExpandOptions, ExpansionResult } from '../../../src/core/language/expand/expansionResult';
import { parseDocument } from '../../../src/core/language/syntax/parseDocument';

const example = readFileSync(join(process.cwd(), 'examples/translate.llmbatch'), 'utf8');
const reviews = readFileSync(join(process.cwd(), 'examples/reviews.csv'), 'utf8');
const options: ExpandOptions = { fileName: '/project/t.llmbatch', defaultProvider: 'echo', readFile: () => 'id,text\n1,a\n2,"b, c"\n' };

/** Everything an expansion gives, as the JSON a caller would see, settings of every block included. */
function seen(result: ExpansionResult): string {
  return JSON.stringify({ items: result.items, diagnostics: result.diagnostics, blocks: result.blocks, rateLimits: result.rateLimits, keys: Object.keys(result) });
}

function assertSameAsWholeDocument(text: string, label: string, expandOptions: ExpandOptions = options): void {
  const whole = expandDocument(parseDocument(text), expandOptions);
  assert.equal(seen(expandText(text, expandOptions)), seen(whole), label);
}

const cases: Record<string, string> = {
  'plain blocks': '@provider = openai\n@model = gpt-4o-mini\n### a\n@temperature = 0.2\nuser: one\n### b\nsystem: be brief\nuser: two',
  'a header variable some block uses': '@lang = French\n### a\nuser: hello\n### b\nuser: say it in {{lang}}',
  'a header variable no block uses': '@lang = French\n@tone = ["dry", "warm"]\n### a\nuser: hello\n### b\nuser: bye',
  'a misspelt header parameter': '@temprature = 0.5\n### a\nuser: hello\n### b\n@temperature = 0.1\nuser: bye',
  'a misspelt header parameter used as a variable': '@temprature = 0.5\n### a\nuser: it is {{temprature}}\n### b\nuser: bye',
  'misspelt and unknown block settings': '### a\n@modle = gpt-4o\n@colour = red\n@lang = [1, 2]\nuser: {{lang}}\n### b\n@temperatur = 1\nuser: x',
  'duplicate block names and ids': '### a\nuser: 1\n### a\nuser: 2\n### a[x=1]\nuser: 3\n### a\n@x = [1, 2]\nuser: {{x}}',
  'unnamed blocks': '###\nuser: 1\n###\nuser: 2\n### request-1\nuser: 3',
  'a file without separators': '@model = m\nsystem: s\nuser: only one',
  'settings but no requests': '@model = m\n@temperature = 3',
  'an empty file': '',
  'sweeps, repeats, names and endpoints': '@api_base = http://127.0.0.1:9/v1\n### s\n@temperature = [0, 0.5, 9]\n@name = s-{{temperature}}\n@repeat = 2\nuser: t {{temperature}}\n### t\n@api_base = ["http://127.0.0.1:1/v1", "http://127.0.0.1:2/v1"]\nuser: u',
  'multi-line values and odd settings': '### j\n@response_format = {\n  "type": "json_object"\n}\n@stop = [\n "a",\n "b"\n]\n@seed = 1.5\n@\n@x\nuser: {{missing}}',
  'data rows': '### d\n@data = rows.csv\n@temperature = 0.1\nuser: {{id}}: {{text}}\n### e\n@data = rows.csv\nuser: {{text}} {{nope}}',
  'file budgets in the header and in a block': '@rpm = 60\n@tpm = -1\n### a\n@rpm = 5\nuser: x',
  'blocks without messages': '### a\n@temperature = 1\n### b\nuser: x',
  'cycles and references': '### c\n@a = {{b}}\n@b = {{a}}\nuser: {{a}}\n### r\n@m = {{model}}\n@model = gpt\nuser: {{m}}',
  'text that is not UTF-8': '### a\nuser: caf\uFFFD\n### b\nuser: ok',
  'text with NUL characters': '### a\nuser: \u0000\n',
  'a byte order mark and CRLF line ends': '\uFEFF@model = m\r\n### a\r\nuser: x\r\n### b\r\n@temperature = 0.3\r\nuser: y\r\n',
};

describe('expanding text in one pass', () => {
  for (const [label, text] of Object.entries(cases)) {
    it(`gives what expanding the whole document gives: ${label}`, () => assertSameAsWholeDocument(text, label));
  }

  it('gives what expanding the whole document gives for the example and its data', () => {
    assertSameAsWholeDocument(example, 'example', { ...options, readFile: () => reviews });
  });

  it('keeps the same problems when there are too many to show', () => {
    const blocks = Array.from({ length: 1200 }, (_, i) => `### b${i}\n@temperature = ${i % 2 === 0 ? 9 : 0.5}\n@tempreature = 1\nuser: {{nothing}}`);
    assertSameAsWholeDocument(`@provider = openai\n${blocks.join('\n')}`, 'many problems');
  });

  it('stops at the request limit where the whole document does', () => {
    const blocks = Array.from({ length: 30 }, (_, i) => `### b${i}\n@x = [1, 2, 3]\nuser: {{x}}`);
    assertSameAsWholeDocument(blocks.join('\n'), 'limit', { ...options, maxRequests: 40 });
  });

  it('gives what expanding the whole document gives on edited copies of the example', () => {
    const lines = example.split('\n');
    for (let round = 0; round < 60; round++) {
      const edited = lines.filter((_, index) => (index * 7 + round) % 11 !== 0);
      if (round % 3 === 0) edited.splice(round % edited.length, 0, `@${['model', 'lang', 'temprature', 'data', 'name'][round % 5]} = ${round}`);
      assertSameAsWholeDocument(edited.join('\n'), `edited #${round}`, { ...options, readFile: () => reviews });
    }
  });

  it('reads the settings of a block again from the text when asked for them', () => {
    const text = '@provider = openai\n### a\n@temperature = 0.2\n@stop = [\n  "x"\n]\n@modle = m\nuser: hi';
    const [summary] = expandText(text, options).blocks;
    assert.deepEqual(
      summary?.settings.map((setting) => [setting.key, setting.origin, setting.value, setting.valueRange.startLine, setting.valueRange.endLine]),
      [
        ['provider', 'header', 'openai', 0, 0],
        ['temperature', 'block', 0.2, 2, 2],
        ['stop', 'block', ['x'], 3, 5],
      ],
    );
  });
});

describe('block names', () => {
  const names = (text: string) => expandText(text, options).items.map((item) => item.id);

  it('get a suffix when one comes back after others, in or out of order', () => {
    assert.deepEqual(names('### a\nuser: 1\n### b\nuser: 2\n### a\nuser: 3'), ['a', 'b', 'a(2)']);
    assert.deepEqual(names('### b\nuser: 1\n### a\nuser: 2\n### b\nuser: 3\n### b\nuser: 4'), ['b', 'a', 'b(2)', 'b(3)']);
    assert.deepEqual(names('### q1\nuser: 1\n### q2\nuser: 2\n### q2\nuser: 3'), ['q1', 'q2', 'q2(2)']);
  });
});
