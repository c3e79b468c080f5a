import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseBatchInput, readBatchInputLazily, toBatchInputLine } from '../../../src/core/batchFile/batchJsonl';
import type { Diagnostic } from '../../../src/core/diagnostics';
import type { BatchItem } from '../../../src/core/models';

function line(customId: string | undefined, body: Record<string, unknown> = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `hello ${customId}` }] }, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ ...(customId === undefined ? {} : { custom_id: customId }), method: 'POST', url: '/v1/chat/completions', body, ...extra });
}

function parse(lines: string[]): ReturnType<typeof parseBatchInput> {
  return parseBatchInput(lines.join('\n'), { provider: 'openai', fileName: 'requests.jsonl' });
}

/** [line, startColumn, severity, message] for compact comparison. */
function summary(diagnostics: Diagnostic[]): Array<[number, number, string, string]> {
  return diagnostics.map((d) => [d.range.startLine, d.range.startColumn, d.severity, d.message]);
}

describe('parseBatchInput', () => {
  it('reads valid lines into items with their source line, skipping blank lines', () => {
    const { items, diagnostics } = parse([line('first'), '', '   ', line('second', { model: 'gpt-4o', temperature: 0.5, messages: [{ role: 'user', content: 'hi' }] })]);
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(
      items.map((item) => [item.id, item.request.provider, item.request.model, item.source?.startLine, item.source?.file]),
      [
        ['first', 'openai', 'gpt-4o-mini', 0, 'requests.jsonl'],
        ['second', 'openai', 'gpt-4o', 3, 'requests.jsonl'],
      ],
    );
    assert.equal(items[1]?.request.temperature, 0.5);
    assert.equal(items[1]?.request.messages[0]?.content, 'hi');
  });

  it('accepts CRLF line endings and a byte order mark', () => {
    const { items, diagnostics } = parseBatchInput(`\ufeff${line('a')}\r\n${line('b')}\r\n`, { provider: 'openai' });
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(items.map((item) => item.id), ['a', 'b']);
  });

  it('reports broken JSON with the column where it breaks', () => {
    const { items, diagnostics } = parse([line('ok'), '{"custom_id": "b" "method": "POST"}', '{"custom_id": "c", "body": {"messages": [}}', '{"custom_id": "d"']);
    assert.deepEqual(items.map((item) => item.id), ['ok']);
    assert.deepEqual(summary(diagnostics), [
      [1, 18, 'error', 'Line is not valid JSON: unexpected "\\"": expected "," or "}" (column 19)'],
      [2, 41, 'error', 'Line is not valid JSON: unexpected "}": a value is missing before it (column 42)'],
      [3, 0, 'error', 'Line is not valid JSON: this { is never closed (column 1)'],
    ]);
    assert.equal(diagnostics[0]?.range.endColumn, 19);
    assert.equal(diagnostics[0]?.code, 'invalid-json');
  });

  it('reports a line that is JSON but not an object', () => {
    assert.deepEqual(summary(parse(['[1, 2]']).diagnostics), [[0, 0, 'error', 'Each line must be a JSON object with custom_id, method, url and body']]);
  });

  it('reports a missing or empty custom_id', () => {
    const { items, diagnostics } = parse([line(undefined), line('')]);
    assert.deepEqual(items, []);
    assert.deepEqual(summary(diagnostics), [
      [0, 0, 'error', 'custom_id is missing; every line needs a unique custom_id'],
      [1, 13, 'error', 'custom_id must be a non-empty string'],
    ]);
  });

  it('reports a duplicate custom_id on the second use, naming the line of the first', () => {
    const { items, diagnostics } = parse([line('x'), line('a'), '', line('a')]);
    assert.deepEqual(items.map((item) => item.id), ['x', 'a']);
    assert.deepEqual(summary(diagnostics), [[3, 13, 'error', 'custom_id "a" is used twice (first on line 2)']]);
    // The range covers the repeated value, quotes included.
    assert.equal(diagnostics[0]?.range.endColumn, 16);
    assert.equal(diagnostics[0]?.code, 'duplicate-id');
  });

  it('reports unsupported methods and urls', () => {
    const { items, diagnostics } = parse([line('a', undefined, { method: 'GET' }), line('b', undefined, { url: '/v1/embeddings' }), JSON.stringify({ custom_id: 'c', body: {} })]);
    assert.deepEqual(items, []);
    assert.deepEqual(
      diagnostics.map((d) => [d.range.startLine, d.message]),
      [
        [0, 'method must be "POST" (got "GET")'],
        [1, 'url "/v1/embeddings" is not supported; only "/v1/chat/completions" is'],
        [2, 'method must be "POST" (method is missing)'],
        [2, 'url is missing; only "/v1/chat/completions" is supported'],
        [2, 'body.messages is required'],
      ],
    );
  });

  it('reports every request problem in the body with the schema message, pointing at the parameter', () => {
    const text = line('a', { model: 'gpt-4o', temperature: 3, top_p: 'high', messages: [{ role: 'user', content: 'hi' }] });
    const { items, diagnostics } = parse([text]);
    assert.deepEqual(items, []);
    assert.deepEqual(
      diagnostics.map((d) => [d.range.startLine, d.message, text.slice(d.range.startColumn, d.range.endColumn)]),
      [
        [0, 'body.temperature: temperature must be between 0 and 2 (got 3)', '3'],
        [0, 'body.top_p: top_p must be a number', '"high"'],
      ],
    );
  });

  it('reports an empty message list and a missing body', () => {
    const first = line('a', { messages: [] });
    const { diagnostics } = parse([first, JSON.stringify({ custom_id: 'b', method: 'POST', url: '/v1/chat/completions' })]);
    assert.deepEqual(summary(diagnostics), [
      [0, first.indexOf('[]'), 'error', 'body.messages: a request needs at least one message'],
      [1, 0, 'error', 'body is missing; it holds the chat completion request'],
    ]);
    assert.equal(first.slice(diagnostics[0]?.range.startColumn, diagnostics[0]?.range.endColumn), '[]');
  });

  it('warns about body parameters llmbatch would not send, and keeps the item', () => {
    const text = line('a', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], prediction: { type: 'content' } });
    const { items, diagnostics } = parse([text]);
    assert.deepEqual(items.map((item) => item.id), ['a']);
    assert.deepEqual(
      diagnostics.map((d) => [d.severity, d.message, text.slice(d.range.startColumn, d.range.endColumn)]),
      [['warning', 'body.prediction is not a parameter llmbatch knows; it will not be sent', '"prediction":{"type":"content"}']],
    );
  });

  it('reports lines over the size limit without parsing them', () => {
    const huge = line('big', { messages: [{ role: 'user', content: 'x'.repeat(11 * 1024 * 1024) }] });
    const { items, diagnostics } = parse([line('a'), huge, line('b')]);
    assert.deepEqual(items.map((item) => item.id), ['a', 'b']);
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0]?.range.startLine, 1);
    assert.equal(diagnostics[0]?.message, 'Line is 11.0 MB, over the 10 MB limit for one request; it was not read');
    const small = parseBatchInput(line('a'), { provider: 'openai', maxLineLength: 20 });
    assert.match(small.diagnostics[0]?.message ?? '', /^Line is \d+ characters, over the 20 characters limit/);
  });

  it('reports JSON nested deeper than a request may hold where the nesting passes the limit, valid or not', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const valid = line('a', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], tools: [] }).replace('"tools":[]', `"tools":${deep}`);
    const inMetadata = JSON.stringify({ custom_id: 'b', method: 'POST', url: '/v1/chat/completions', metadata: JSON.parse('[]'), body: {} }).replace('"metadata":[]', `"metadata":${deep}`);
    const broken = `${valid.slice(0, valid.indexOf('"tools":') + 8 + 200)}x`;
    const { items, diagnostics } = parse([valid, inMetadata, broken]);
    assert.deepEqual(items, []);
    const tools = valid.indexOf('"tools":') + '"tools":'.length;
    assert.deepEqual(summary(diagnostics), [
      [0, tools + 64, 'error', 'body.tools nests lists and objects more than 64 levels deep, more than a request may hold'],
      [1, inMetadata.indexOf('"metadata":') + '"metadata":'.length + 64, 'error', 'metadata nests lists and objects more than 64 levels deep, more than a request may hold'],
      [2, tools + 64, 'error', `Line is not valid JSON: lists and objects nested more than 64 levels deep inside a request (column ${tools + 65})`],
    ]);
  });

  it('never throws, whatever the text', () => {
    for (const text of ['\u0000', '{', '"', '{"custom_id": {"deep": [[[[[[[[]]]]]]]]}}', '['.repeat(100_000), 'null', '{"body": null}']) {
      assert.doesNotThrow(() => parse([text]));
      assert.ok(parse([text]).diagnostics.length > 0, `${text.slice(0, 20)} is reported`);
    }
  });
});

describe('toBatchInputLine', () => {
  it('writes a Batch API input line that reads back as the same item', () => {
    const item: BatchItem = {
      id: 'row-7',
      request: { provider: 'openai', model: 'gpt-4o', temperature: 0, seed: 3, stream: false, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Name a colour.' }] },
    };
    const text = toBatchInputLine(item);
    assert.ok(!text.includes('\n'));
    assert.deepEqual(JSON.parse(text), {
      custom_id: 'row-7',
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'gpt-4o', temperature: 0, seed: 3, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Name a colour.' }] },
    });
    const { items, diagnostics } = parseBatchInput(text, { provider: 'openai' });
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(items[0]?.request, item.request);
    assert.equal(items[0]?.id, 'row-7');
  });
});

describe('readBatchInputLazily', () => {
  it('gives the same items and diagnostics as parseBatchInput, on every pass, whatever the line endings and characters', () => {
    const text = [
      `\ufeff${line('a', { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Réponds en français 🙂' }, { role: 'user', content: 'ça va ?' }] })}`,
      '',
      `${line('b', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: '日本語\nwith a newline inside' }], temperature: 0.2, top_k: 3 })}\r`,
      '{"custom_id":"broken",',
      line('a'),
      '   ',
      line('c', { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Réponds en français 🙂' }, { role: 'user', content: 'encore' }] }),
    ].join('\n');
    const options = { provider: 'openai', fileName: 'requests.jsonl' };
    const eager = parseBatchInput(text, options);
    const lazy = readBatchInputLazily(Buffer.from(text), options);
    assert.equal(eager.items.length, 3);
    assert.equal(lazy.items.length, 3);
    assert.deepEqual(lazy.diagnostics, eager.diagnostics);
    assert.deepEqual([...lazy.items], eager.items);
    assert.deepEqual([...lazy.items], eager.items, 'a second pass reads the same items again');
    assert.deepEqual(
      eager.items.map((item) => [item.id, item.source?.startLine]),
      [
        ['a', 0],
        ['b', 2],
        ['c', 6],
      ],
    );
  });

  it('reads a file of several megabytes the same, across its decoding chunks, with long lines and non-ASCII text', () => {
    const lines: string[] = [];
    for (let i = 0; lines.join('\n').length < 3 * 1024 * 1024; i++) {
      const content = i % 7 === 0 ? `ligne ${i} — ünïcödé ✓ ${'é'.repeat(i % 50)}` : i % 101 === 0 ? 'x'.repeat(1_200_000) : `line ${i}`;
      lines.push(line(`r${i}`, { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }));
      if (i % 13 === 0) lines.push('');
    }
    const text = `${lines.join('\r\n')}\n`;
    const options = { provider: 'openai', fileName: 'big.jsonl' };
    const eager = parseBatchInput(text, options);
    const lazy = readBatchInputLazily(Buffer.from(text), options);
    assert.equal(lazy.items.length, eager.items.length);
    assert.deepEqual(lazy.diagnostics, eager.diagnostics);
    const again = [...lazy.items];
    assert.equal(again.length, eager.items.length);
    for (let i = 0; i < again.length; i++) assert.deepEqual(again[i], eager.items[i], `item ${i}`);
  });
});
