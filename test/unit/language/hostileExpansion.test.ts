import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDataText } from '../../../src/core/language/data/dataFiles';
import { parseLlmbatch } from '../../../src/core/language/parseLlmbatch';
import { at, errors, expandText } from './support';

function doubling(first: string, count = 40): string {
  const lines = ['@provider = echo', `@v0 = ${first}`];
  for (let i = 1; i <= count; i++) lines.push(`@v${i} = {{v${i - 1}}}{{v${i - 1}}}`);
  return [...lines, '### a', `user: {{v${count}}}`].join('\n');
}

/**
 * A few lines of `.llmbatch` can describe terabytes of text, JSON nested past
 * any stack, or a header whose checking takes minutes: each must end in a
 * located error (or plain work in proportion to the file), never a hang.
 */
describe('expansion limits', () => {
  it('stops variables that double forty times at the first that passes the limit, and names it', () => {
    const result = expandText(doubling('x'));
    assert.deepEqual(result.items, []);
    const [error] = errors(result.diagnostics);
    assert.equal(errors(result.diagnostics).length, 1);
    assert.equal(
      error?.message,
      "@v23: filling in placeholders makes more than 10 MB of text for one request, the most a request may hold (each variable that repeats another multiplies its size); this block's requests from here on are left out",
    );
    assert.equal(error?.code, 'text-limit');
    // The whole `@v23 = …` line.
    assert.deepEqual(at(error!.range), [24, 0, 24, '@v23 = {{v22}}{{v22}}'.length]);
  });

  it('fills each variable in once per request, so doubling an empty text forty times costs forty steps', () => {
    const result = expandText(doubling('""'));
    assert.deepEqual(errors(result.diagnostics), []);
    assert.deepEqual(result.items.map((item) => item.request.messages[0]?.content), ['']);
  });

  it('stops a file whose requests together make more text than its limit, at the place being filled in, and expands no later block', () => {
    const text = ['@provider = echo', '@n = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]', '### long', `user: {{n}} ${'words '.repeat(200)}`, '### after', 'user: {{n}}'].join('\n');
    const result = expandText(text, {}, { maxTextPerFile: 5_000 });
    const [error] = errors(result.diagnostics);
    assert.equal(error?.message, "this user message: filling in placeholders makes more than 5000 characters of text for this file's requests, the most one file may make; this block and the ones after it are not expanded");
    assert.deepEqual(at(error!.range).slice(0, 2), [3, 0]);
    assert.equal(result.items.length, 4, 'the requests made before the limit');
    assert.ok(result.items.every((item) => item.block === 'long'));
  });

  it('counts JSON copied for each request against the limit like text', () => {
    const values = Array.from({ length: 2_000 }, (_, i) => i).join(', ');
    const text = ['@provider = echo', '@i = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]', `@tools = [{"type": "function", "function": {"name": "f{{i}}", "parameters": {"enum": [${values}]}}}]`, '### a', 'user: hi'].join('\n');
    const result = expandText(text, {}, { maxTextPerFile: 10_000 });
    const [error] = errors(result.diagnostics);
    assert.match(error?.message ?? '', /^@tools: filling in placeholders makes more than 10000 characters of text for this file's requests/);
    assert.equal(error?.range.startLine, 2);
    assert.ok(result.items.length < 10);
  });

  it('refuses JSON nested deeper than 64 levels in a setting, a data row or a data column, without overflowing', () => {
    const deep = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
    const setting = expandText(`@provider = echo\n@response_format = {"type": "json_schema", "json_schema": {"schema": ${deep(100_000)}}}\n### a\nuser: hi`);
    const [error] = errors(setting.diagnostics);
    assert.equal(error?.message, '@response_format nests lists and objects more than 64 levels deep, more than a request may hold');
    const column = '@response_format = {"type": "json_schema", "json_schema": {"schema": '.length + 62;
    assert.deepEqual(at(error!.range), [1, column, 1, column + 1]);
    assert.deepEqual(setting.items, []);
    // 64 levels in all are fine.
    assert.deepEqual(errors(expandText(`@provider = echo\n@tools = [{"type": "function", "x": ${deep(62)}}]\n### a\nuser: hi`).diagnostics), []);

    const rows = `{"format": {"type": "json_object"}, "x": ${deep(64)}}\n{"format": {"type": "json_object"}, "x": ${deep(100_000)}}\n`;
    const data = expandText('@provider = echo\n@data = rows.jsonl\n@response_format = {{format}}\n### a\nuser: {{x}}', { 'rows.jsonl': rows });
    assert.deepEqual(
      errors(data.diagnostics).map((d) => [d.message, d.range.startLine]),
      [['rows.jsonl line 2: a value nests lists and objects more than 64 levels deep, so this row is left out', 1]],
    );
    assert.equal(data.items.length, 1);

    const cells = expandText('@provider = echo\n@data = f.csv\n@response_format = {{format}}\n### a\nuser: hi', { 'f.csv': `format\n"${`{"type": "json_schema", "s": ${deep(100_000)}}`.replaceAll('"', '""')}"\n` });
    assert.deepEqual(
      errors(cells.diagnostics).map((d) => [d.message, at(d.range)]),
      [['response_format nests lists and objects more than 64 levels deep, more than a request may hold (f.csv row 1)', [2, 19, 2, 29]]],
    );
  });
});

describe('files an expect: line names', () => {
  it('reads a JSON Schema file as a data file is read, and refuses one nested past the limit', () => {
    const deep = `${'{"items": '.repeat(100_000)}{}${'}'.repeat(100_000)}`;
    const nested = expandText(['### a', 'user: hi', 'expect: schema deep.json'].join('\n'), { 'deep.json': deep });
    assert.deepEqual(
      errors(nested.diagnostics).map((d) => d.message),
      ['the schema file deep.json nests lists and objects more than 64 levels deep'],
    );
    // No readFile given: the disk, through the same checks as @data.
    const device = parseLlmbatch(['### a', 'user: hi', 'expect: schema /dev/zero'].join('\n'), { fileName: join(tmpdir(), 'x.llmbatch'), defaultProvider: 'echo' });
    assert.deepEqual(
      errors(device.diagnostics).map((d) => d.message),
      ['cannot read the schema file /dev/zero: this is a device, not a regular file; llmbatch reads only regular files'],
    );
  });
});

describe('wide CSV headers', () => {
  /** Elements looked at by linear searches (`includes`, `indexOf`, `find`…) while `run` runs. */
  function elementsSearched(run: () => void): number {
    const methods = ['includes', 'indexOf', 'lastIndexOf', 'find', 'findIndex', 'some', 'every'] as const;
    const originals = methods.map((name) => Array.prototype[name]);
    let searched = 0;
    methods.forEach((name, index) => {
      const original = originals[index] as (...args: unknown[]) => unknown;
      Object.defineProperty(Array.prototype, name, {
        value: function (this: unknown[], ...args: unknown[]) {
          searched += this.length;
          return original.apply(this, args);
        },
        configurable: true,
        writable: true,
      });
    });
    try {
      run();
    } finally {
      methods.forEach((name, index) => Object.defineProperty(Array.prototype, name, { value: originals[index], configurable: true, writable: true }));
    }
    return searched;
  }

  const wide = (columns: number) => {
    const names = Array.from({ length: columns }, (_, i) => `col${i}`);
    return `${names.join(',')},col7\n${names.map((_, i) => i).join(',')},dup\n`;
  };

  it('reads a header of 20 000 columns with work in proportion to its width, and still finds a repeated name', () => {
    let table: ReturnType<typeof readDataText> | undefined;
    const small = elementsSearched(() => readDataText(wide(10_000), 'csv'));
    const large = elementsSearched(() => (table = readDataText(wide(20_000), 'csv')));
    // Searching the columns read so far for each new one is 200 million steps here, four times the smaller header's.
    assert.ok(large <= 3 * Math.max(small, 20_000), `${small} elements searched for 10 000 columns, ${large} for 20 000`);
    assert.ok(table?.ok);
    assert.equal(table.table.columns.length, 20_000);
    assert.deepEqual(table.table.problems, [{ where: 'line 1', message: 'column "col7" appears twice in the header row; only the first is used' }]);
  });
});
