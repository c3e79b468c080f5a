import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ParsedDocuments } from '../../../src/extension/editor/parsedDocuments';
import { isBatchInputCandidate } from '../../../src/extension/editor/batchInputDetection';
import { fakeDocument } from './fakeDocument';

const folder = join('/', 'work', 'project');
const text = ['### classify', '@data = ./rows.csv', 'user: Is this positive? {{review}}'].join('\n');

function files(initial: Record<string, string>) {
  const contents = new Map(Object.entries(initial));
  const times = new Map<string, number>();
  const reads: string[] = [];
  return {
    reads,
    write(path: string, content: string) {
      contents.set(path, content);
      times.set(path, (times.get(path) ?? 0) + 1);
    },
    options: {
      readFile: (path: string) => {
        reads.push(path);
        const content = contents.get(path);
        if (content === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
        return content;
      },
      modifiedTime: (path: string) => (contents.has(path) ? (times.get(path) ?? 0) : undefined),
    },
  };
}

describe('parsed document cache', () => {
  it('parses a version once and shares the result, and parses again after an edit', () => {
    const disk = files({ [join(folder, 'rows.csv')]: 'review\ngreat\nawful\n' });
    const cache = new ParsedDocuments(disk.options);
    const document = fakeDocument(join(folder, 'a.llmbatch'), text, 'llmbatch');
    const first = cache.get(document);
    assert.equal(first?.kind, 'llmbatch');
    assert.equal(first.kind === 'llmbatch' && first.expansion.items.length, 2);
    assert.equal(cache.get(document), first);
    assert.equal(disk.reads.length, 1);
    document.setText(text.replace('@data', '@repeat = 3\n@data'));
    const second = cache.get(document);
    assert.notEqual(second, first);
    assert.equal(second?.kind === 'llmbatch' && second.expansion.items.length, 6);
  });

  it('reads data files relative to the document and notices when one changes on disk', () => {
    const csv = join(folder, 'rows.csv');
    const disk = files({ [csv]: 'review\ngreat\n' });
    const cache = new ParsedDocuments(disk.options);
    const document = fakeDocument(join(folder, 'a.llmbatch'), text, 'llmbatch');
    const before = cache.get(document);
    assert.deepEqual(disk.reads, [csv]);
    assert.deepEqual(cache.readersOf(csv), [document.uri.toString()]);
    assert.equal(cache.hasStaleData(document), false);
    disk.write(csv, 'review\ngreat\nawful\nfine\n');
    assert.equal(cache.hasStaleData(document), true);
    const after = cache.get(document);
    assert.notEqual(after, before);
    assert.equal(after?.kind === 'llmbatch' && after.expansion.items.length, 3);
  });

  it('reports a missing data file as a problem on the @data value', () => {
    const cache = new ParsedDocuments(files({}).options);
    const parsed = cache.get(fakeDocument(join(folder, 'a.llmbatch'), text, 'llmbatch'));
    const problem = parsed?.diagnostics.find((diagnostic) => diagnostic.severity === 'error');
    assert.match(problem?.message ?? '', /rows\.csv: no such file/);
    assert.deepEqual(problem?.range && [problem.range.startLine, problem.range.startColumn, problem.range.endColumn], [1, 8, 18]);
  });

  it('does not read data files for a document that is not on disk', () => {
    const disk = files({ [join(folder, 'rows.csv')]: 'review\ngreat\n' });
    const cache = new ParsedDocuments(disk.options);
    const parsed = cache.get(fakeDocument('Untitled-1', text, 'llmbatch', 'untitled'));
    assert.deepEqual(disk.reads, []);
    assert.match(parsed?.diagnostics.map((diagnostic) => diagnostic.message).join('\n') ?? '', /save this document first/);
  });

  it('reads OpenAI Batch input .jsonl files and leaves other JSON Lines files alone', () => {
    const cache = new ParsedDocuments({ defaultProvider: () => 'echo' });
    const line = JSON.stringify({ custom_id: 'a', method: 'POST', url: '/v1/chat/completions', body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] } });
    const batch = cache.get(fakeDocument(join(folder, 'batch.jsonl'), `\n${line}\n{"custom_id": 3}\n`, 'jsonl'));
    assert.equal(batch?.kind, 'batchInput');
    assert.equal(batch?.kind === 'batchInput' && batch.items[0]?.request.provider, 'echo');
    assert.deepEqual([...new Set(batch?.diagnostics.map((diagnostic) => diagnostic.range.startLine))], [2]);
    assert.equal(cache.get(fakeDocument(join(folder, 'rows.jsonl'), '{"review": "great"}\n', 'jsonl')), undefined);
    assert.equal(cache.get(fakeDocument(join(folder, 'notes.md'), line, 'markdown')), undefined);
  });

  it('forgets a document on delete', () => {
    const cache = new ParsedDocuments(files({}).options);
    const document = fakeDocument(join(folder, 'b.llmbatch'), '### a\nuser: hi', 'llmbatch');
    cache.get(document);
    assert.ok(cache.peek(document.uri.toString()));
    cache.delete(document.uri.toString());
    assert.equal(cache.peek(document.uri.toString()), undefined);
  });
});

describe('batch input detection', () => {
  it('looks at the first non-empty line of .jsonl and JSON documents only', () => {
    assert.equal(isBatchInputCandidate(fakeDocument('/x/in.jsonl', '\n  \n{"custom_id": "1", "body": {}}', 'plaintext')), true);
    assert.equal(isBatchInputCandidate(fakeDocument('/x/in.json', '{"custom_id": "1"}', 'json')), true);
    assert.equal(isBatchInputCandidate(fakeDocument('/x/in.json', '{\n  "custom_id": "1"\n}', 'json')), false);
    assert.equal(isBatchInputCandidate(fakeDocument('/x/in.txt', '{"custom_id": "1"}', 'plaintext')), false);
    assert.equal(isBatchInputCandidate(fakeDocument('/x/out.jsonl', '{"id": "batch_req_1", "response": {}}', 'jsonl')), false);
  });
});
