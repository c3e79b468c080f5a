import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { MockServer } from '../../mock/mockServer';
import { cacheFileFormat, cacheFileVersion } from '../../../src/core/cache/fileStore';
import { batchText, filesUnder, outputLines, runCli } from './reliabilityFixtures';

interface EntryFile {
  format?: unknown;
  version?: unknown;
  key?: unknown;
  value?: { response?: { choices?: { message?: { content?: unknown } }[] } };
}

/** The cache's entry files, each parsed; throws on one that is not a whole, current entry. */
function readEntries(cacheDir: string): { path: string; entry: EntryFile; content: string }[] {
  const files = filesUnder(cacheDir);
  return files.map((path) => {
    assert.match(basename(path), /^[0-9a-f]{64}\.json$/, `only entry files are left in the cache (found ${basename(path)})`);
    const entry = JSON.parse(readFileSync(path, 'utf8')) as EntryFile;
    assert.equal(entry.format, cacheFileFormat);
    assert.equal(entry.version, cacheFileVersion);
    assert.equal(`${entry.key as string}.json`, basename(path), 'an entry sits in the file named after its key');
    const content = entry.value?.response?.choices?.[0]?.message?.content;
    assert.equal(typeof content, 'string');
    return { path, entry, content: content as string };
  });
}

function assertAnswers(stdout: string, count: number, prefix = 'question'): void {
  const lines = outputLines(stdout);
  assert.equal(lines.length, count);
  for (const [i, line] of lines.entries()) {
    assert.equal(line.custom_id, `req-${i}`);
    assert.equal(line.error, null);
    assert.equal(line.response?.body.choices[0].message.content, `mock: ${prefix} ${i}`);
  }
}

describe('cache integrity (CLI)', () => {
  let server: MockServer;
  let dir: string;
  before(async () => {
    server = await MockServer.start();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.setLatency(0);
    server.resetRecords();
    dir = mkdtempSync(join(tmpdir(), 'llmbatch-cache-'));
  });

  const run = (input: string, ...extra: string[]) => runCli(['run', input, '--api-base', server.baseUrl, ...extra]);

  it('two processes running the same batch on one cache directory both answer everything and leave only whole entries', async () => {
    const count = 150;
    const input = join(dir, 'batch.jsonl');
    writeFileSync(input, batchText(count));
    const cache = join(dir, 'cache');
    server.setLatency(10);
    const [a, b] = await Promise.all([run(input, '--cache-dir', cache, '--concurrency', '20'), run(input, '--cache-dir', cache, '--concurrency', '20')]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assertAnswers(a.stdout, count);
    assertAnswers(b.stdout, count);
    const entries = readEntries(cache);
    assert.equal(entries.length, count, 'one entry per request, no temporary files left behind');
    assert.deepEqual(new Set(entries.map((e) => e.content)), new Set(Array.from({ length: count }, (_, i) => `mock: question ${i}`)));

    server.resetRecords();
    const third = await run(input, '--cache-dir', cache);
    assert.equal(third.code, 0, third.stderr);
    assert.equal(server.requests.length, 0, 'the shared cache answers a third run completely');
  });

  it('treats truncated, empty, garbage, wrong-version and wrong-shape entry files as misses, fetches them again and repairs them', async () => {
    const count = 8;
    const input = join(dir, 'batch.jsonl');
    writeFileSync(input, batchText(count));
    const cache = join(dir, 'cache');
    assert.equal((await run(input, '--cache-dir', cache)).code, 0);
    const entries = readEntries(cache).sort((x, y) => x.content.localeCompare(y.content));
    assert.equal(entries.length, count);

    const damaged = entries.slice(0, 5);
    const [truncated, empty, garbage, wrongVersion, wrongShape] = damaged;
    const text = (path: string) => readFileSync(path, 'utf8');
    writeFileSync(truncated!.path, text(truncated!.path).slice(0, 120));
    writeFileSync(empty!.path, '');
    writeFileSync(garbage!.path, Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x7b, 0x22, 0x0a, 0xc3]));
    writeFileSync(wrongVersion!.path, JSON.stringify({ ...wrongVersion!.entry, version: cacheFileVersion + 1 }));
    writeFileSync(wrongShape!.path, JSON.stringify({ ...wrongShape!.entry, value: { response: { choices: 'none' }, statusCode: 200, createdAt: 1 } }));

    server.resetRecords();
    const second = await run(input, '--cache-dir', cache);
    assert.equal(second.code, 0, second.stderr);
    assertAnswers(second.stdout, count);
    const refetched = server.requests.map((request) => `mock: ${(request.body as { messages: { content: string }[] }).messages[0]!.content}`).sort();
    assert.deepEqual(refetched, damaged.map((e) => e.content).sort(), 'exactly the damaged entries were fetched again');
    assert.equal(outputLines(second.stdout).filter((line) => line.llmbatch.cached).length, count - damaged.length);
    assert.equal(readEntries(cache).length, count, 'the damaged entries were rewritten whole');
  });

  it('warns once and still writes every answer when the cache directory cannot be written', async () => {
    const count = 12;
    const input = join(dir, 'batch.jsonl');
    writeFileSync(input, batchText(count));
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, 'a regular file where the cache folder would go\n');
    const result = await run(input, '--cache-dir', join(blocker, 'cache'));
    assert.equal(result.code, 0, result.stderr);
    assertAnswers(result.stdout, count);
    const warnings = result.stderr.split('\n').filter((line) => /warning/i.test(line));
    assert.equal(warnings.length, 1, result.stderr);
    assert.match(warnings[0]!, /cache/i);
    assert.equal(server.requests.length, count);
  });

  it('expires entries after --cache-ttl, also across restarts', async () => {
    const count = 6;
    const shortLived = join(dir, 'short.jsonl');
    const longLived = join(dir, 'long.jsonl');
    writeFileSync(shortLived, batchText(count, 'short'));
    writeFileSync(longLived, batchText(count, 'long'));
    const cache = join(dir, 'cache');
    const both = () => Promise.all([run(shortLived, '--cache-dir', cache, '--cache-ttl', '1'), run(longLived, '--cache-dir', cache, '--cache-ttl', '3600')]);
    for (const result of await both()) assert.equal(result.code, 0, result.stderr);
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    server.resetRecords();
    const [short, long] = await both();
    assert.equal(short.code, 0, short.stderr);
    assert.equal(long.code, 0, long.stderr);
    assertAnswers(short.stdout, count, 'short');
    assertAnswers(long.stdout, count, 'long');
    const sent = server.requests.map((request) => JSON.stringify(request.body));
    assert.equal(sent.filter((body) => body.includes('short')).length, count, 'every expired answer was fetched again');
    assert.equal(sent.filter((body) => body.includes('long')).length, 0, 'answers within their time to live were not');
  });
});
