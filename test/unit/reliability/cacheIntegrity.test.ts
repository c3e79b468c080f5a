import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { cacheFileFormat, cacheFileVersion } from '../../../src/core/cache/journalStore';
import { batchText, filesUnder, outputLines, runCli } from './reliabilityFixtures';
import { useMockServer } from '../fixtures/useMockServer';

interface EntryLine {
  key?: unknown;
  value?: { response?: { choices?: { message?: { content?: unknown } }[] } };
}

interface Journal {
  readonly path: string;
  readonly lines: string[];
}

/** The cache's journals; throws on anything in the folder that is not one, or one without its header. */
function readJournals(cacheDir: string): Journal[] {
  return filesUnder(cacheDir).map((path) => {
    assert.match(basename(path), /^cache-[0-9a-z]+-\d+-[0-9a-f]{8}\.jsonl$/, `only journals are in the cache (found ${basename(path)})`);
    const [header, ...lines] = readFileSync(path, 'utf8').split('\n');
    assert.deepEqual(JSON.parse(header!), { format: cacheFileFormat, version: cacheFileVersion });
    assert.equal(lines.pop(), '', 'a journal ends with a whole line');
    return { path, lines };
  });
}

/** The newest whole entry per key across the journals (in the order a reader applies them); throws on a line that is not whole. */
function readEntries(cacheDir: string): { key: string; content: string }[] {
  const byKey = new Map<string, string>();
  for (const journal of readJournals(cacheDir).sort((x, y) => x.path.localeCompare(y.path))) {
    for (const line of journal.lines) {
      const entry = JSON.parse(line) as EntryLine;
      const content = entry.value?.response?.choices?.[0]?.message?.content;
      assert.equal(typeof entry.key, 'string');
      assert.equal(typeof content, 'string');
      byKey.set(entry.key as string, content as string);
    }
  }
  return [...byKey].map(([key, content]) => ({ key, content }));
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
  const server = useMockServer();
  let dir: string;
  beforeEach(() => {
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
    assert.equal(entries.length, count, 'one entry per request, every line whole');
    assert.deepEqual(new Set(entries.map((e) => e.content)), new Set(Array.from({ length: count }, (_, i) => `mock: question ${i}`)));

    server.resetRecords();
    const third = await run(input, '--cache-dir', cache);
    assert.equal(third.code, 0, third.stderr);
    assert.equal(server.requests.length, 0, 'the shared cache answers a third run completely');
  });

  it('treats cut-off, empty, garbage and wrong-shape entry lines as misses, fetches them again and repairs them', async () => {
    const count = 8;
    const input = join(dir, 'batch.jsonl');
    writeFileSync(input, batchText(count));
    const cache = join(dir, 'cache');
    assert.equal((await run(input, '--cache-dir', cache)).code, 0);
    const [journal] = readJournals(cache);
    assert.equal(journal!.lines.length, count);

    const contentOf = (line: string) => (JSON.parse(line) as EntryLine).value!.response!.choices![0]!.message!.content as string;
    const damage: Array<(line: string) => string> = [
      (line) => line.slice(0, 120),
      () => '',
      () => Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x7b, 0x22, 0xc3]).toString('latin1'),
      (line) => JSON.stringify({ ...JSON.parse(line), value: { response: { choices: 'none' }, statusCode: 200, createdAt: 1 } }),
      (line) => line.replace(/^\{"key":"([0-9a-f]{64})"/, (_match, key: string) => `{"key":"${key}","key":"${'0'.repeat(64)}"`),
    ];
    const damaged = journal!.lines.slice(0, damage.length).map(contentOf);
    const header = readFileSync(journal!.path, 'utf8').split('\n')[0]!;
    writeFileSync(journal!.path, [header, ...journal!.lines.map((line, at) => damage[at]?.(line) ?? line), ''].join('\n'));

    server.resetRecords();
    const second = await run(input, '--cache-dir', cache);
    assert.equal(second.code, 0, second.stderr);
    assertAnswers(second.stdout, count);
    const refetched = server.requests.map((request) => `mock: ${(request.body as { messages: { content: string }[] }).messages[0]!.content}`).sort();
    assert.deepEqual(refetched, damaged.sort(), 'exactly the damaged entries were fetched again');
    assert.equal(outputLines(second.stdout).filter((line) => line.llmbatch.cached).length, count - damaged.length);

    server.resetRecords();
    const third = await run(input, '--cache-dir', cache);
    assert.equal(third.code, 0, third.stderr);
    assert.equal(server.requests.length, 0, 'the damaged entries were written again whole');
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
