import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskCache } from '../../../src/core/cache/diskCache';
import * as nodeFsSync from 'node:fs';
import { JournalStore, cacheFileVersion } from '../../../src/core/cache/journalStore';
import type { JournalFileSystem } from '../../../src/core/cache/journalFileSystem';
import type { CachedEntry } from '../../../src/core/cache/cacheProvider';
import { fakeClock } from '../fixtures/fakeClock';
import { entry, keyA, keyB } from './cacheContract';

const roots: string[] = [];
after(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

async function freshDirectory(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'llmbatch-disk-cache-'));
  roots.push(root);
  return join(root, 'cache');
}

/** The journal files in `directory`, oldest first. */
async function journals(directory: string): Promise<string[]> {
  return (await readdir(directory).catch(() => [] as string[])).filter((name) => name.endsWith('.jsonl')).sort();
}

async function journalLines(directory: string): Promise<string[]> {
  const lines: string[] = [];
  for (const name of await journals(directory)) lines.push(...(await readFile(join(directory, name), 'utf8')).split('\n').filter(Boolean));
  return lines;
}

/** Rewrites the only journal in `directory` line by line. */
async function editJournal(directory: string, edit: (lines: string[]) => string[]): Promise<void> {
  const [name] = await journals(directory);
  const path = join(directory, name!);
  const lines = (await readFile(path, 'utf8')).split('\n');
  await writeFile(path, edit(lines).join('\n'));
}

describe('DiskCache', () => {
  it('misses, then hits after a put, also from a new instance on the same directory', async () => {
    const directory = await freshDirectory();
    const cache = new DiskCache({ directory });
    assert.equal(await cache.get(keyA), undefined);
    assert.equal(await cache.exists(keyA), false);
    await cache.put(keyA, entry('blue'));
    assert.deepEqual(await cache.get(keyA), entry('blue'));
    assert.equal(await cache.exists(keyA), true);
    await cache.close();
    const reopened = new DiskCache({ directory });
    assert.deepEqual(await reopened.get(keyA), entry('blue'));
    assert.equal(await reopened.get(keyB), undefined);
  });

  it('appends one readable JSON line per entry to a journal of its own, after a versioned header', async () => {
    const directory = await freshDirectory();
    const cache = new DiskCache({ directory });
    await cache.put(keyA, entry(':base64:aGk='));
    await cache.put(keyB, entry('::colons'));
    const names = await journals(directory);
    assert.equal(names.length, 1);
    assert.match(names[0]!, /^cache-[0-9a-z]+-\d+-[0-9a-f]{8}\.jsonl$/);
    const [header, first, second, ...rest] = await journalLines(directory);
    assert.deepEqual(JSON.parse(header!), { format: 'llmbatch-cache', version: cacheFileVersion });
    assert.deepEqual(rest, []);
    const line = JSON.parse(first!) as { key: string; value: CachedEntry };
    assert.equal(line.key, keyA);
    // Plain JSON on disk: no serializer escaping of values that start with ':'.
    assert.equal(line.value.response.choices[0]?.message.content, ':base64:aGk=');
    assert.equal((JSON.parse(second!) as { key: string }).key, keyB);
    assert.equal((await cache.get(keyA))?.response.choices[0]?.message.content, ':base64:aGk=');
    assert.equal((await cache.get(keyB))?.response.choices[0]?.message.content, '::colons');
    await cache.close();
    const second2 = new DiskCache({ directory });
    await second2.put(keyA, entry('newer'));
    assert.equal((await journals(directory)).length, 2, 'another instance writes a journal of its own');
    assert.equal((await new DiskCache({ directory }).get(keyA))?.response.choices[0]?.message.content, 'newer', 'the newest journal wins');
  });

  it('stores keys that are not hex digests under a hashed key', async () => {
    const directory = await freshDirectory();
    const cache = new DiskCache({ directory });
    await cache.put('../../etc/passwd', entry('safe'));
    assert.deepEqual(await cache.get('../../etc/passwd'), entry('safe'));
    assert.equal((await journals(directory)).length, 1);
    const [, line] = await journalLines(directory);
    assert.match((JSON.parse(line!) as { key: string }).key, /^[0-9a-f]{64}$/);
    assert.deepEqual(await new DiskCache({ directory }).get('../../etc/passwd'), entry('safe'));
  });

  it('expires entries by the injected clock, also across a new instance', async () => {
    const directory = await freshDirectory();
    const { clock, advance } = fakeClock(1_000_000);
    const writer = new DiskCache({ directory, ttlMs: 60_000, clock });
    await writer.put(keyA, entry('blue'));
    await writer.close();
    await advance(59_999);
    const reader = new DiskCache({ directory, ttlMs: 60_000, clock });
    assert.deepEqual(await reader.get(keyA), entry('blue'));
    await advance(1);
    const later = new DiskCache({ directory, clock });
    assert.equal(await later.exists(keyA), false);
    assert.equal(await later.get(keyA), undefined);
    assert.equal(await new DiskCache({ directory, clock }).get(keyA), undefined, 'the expired entry is forgotten for good');
  });

  const corruptions: Array<[string, (line: string) => string]> = [
    ['garbage', () => '\u0000\u0001not json at all'],
    ['cut off', (line) => line.slice(0, Math.floor(line.length / 2))],
    ['for another key', (line) => line.replace(keyA, keyB).replace(/^\{"key":"[0-9a-f]{64}"/, `{"key":"${keyA}","key":"${keyB}"`)],
    ['not an entry', (line) => JSON.stringify({ ...JSON.parse(line), value: { statusCode: 200 } })],
    ['an entry without choices', (line) => JSON.stringify({ ...JSON.parse(line), value: { ...entry('x'), response: { id: 'x', model: 'm', choices: [] } } })],
  ];
  for (const [kind, corrupt] of corruptions) {
    it(`treats an entry line that is ${kind} as a miss, keeps the others, and serves a new answer`, async () => {
      const directory = await freshDirectory();
      const cache = new DiskCache({ directory });
      await cache.put(keyA, entry('blue'));
      await cache.put(keyB, entry('red'));
      await cache.close();
      await editJournal(directory, (lines) => lines.map((line, at) => (at === 1 ? corrupt(line) : line)));
      const reader = new DiskCache({ directory });
      assert.equal(await reader.get(keyA), undefined);
      assert.deepEqual(await reader.get(keyB), entry('red'));
      await reader.put(keyA, entry('again'));
      assert.equal((await reader.get(keyA))?.response.choices[0]?.message.content, 'again');
      assert.equal((await new DiskCache({ directory }).get(keyA))?.response.choices[0]?.message.content, 'again');
    });
  }

  it('reads the whole lines of a journal whose last line was cut off by a crash', async () => {
    const directory = await freshDirectory();
    const cache = new DiskCache({ directory });
    await cache.put(keyA, entry('blue'));
    await cache.put(keyB, entry('red'));
    await cache.close();
    await editJournal(directory, (lines) => [lines[0]!, lines[1]!, lines[2]!.slice(0, 40)]);
    const reader = new DiskCache({ directory });
    assert.deepEqual(await reader.get(keyA), entry('blue'));
    assert.equal(await reader.get(keyB), undefined);
  });

  for (const [kind, header] of [
    ['a future version', JSON.stringify({ format: 'llmbatch-cache', version: cacheFileVersion + 1 })],
    ['another format', JSON.stringify({ format: 'something-else', version: cacheFileVersion })],
    ['empty', ''],
  ] as const) {
    it(`ignores a journal whose header is ${kind}`, async () => {
      const directory = await freshDirectory();
      const cache = new DiskCache({ directory });
      await cache.put(keyA, entry('blue'));
      await cache.close();
      await editJournal(directory, (lines) => (header === '' ? [''] : [header, ...lines.slice(1)]));
      const reader = new DiskCache({ directory });
      assert.equal(await reader.get(keyA), undefined);
      await reader.put(keyA, entry('again'));
      assert.equal((await new DiskCache({ directory }).get(keyA))?.response.choices[0]?.message.content, 'again');
    });
  }

  it('reads an entry larger than its read buffer', async () => {
    const directory = await freshDirectory();
    const huge = 'z'.repeat(5 * 1024 * 1024);
    const cache = new DiskCache({ directory });
    await cache.put(keyA, entry('small'));
    await cache.put(keyB, entry(huge));
    await cache.put('c3'.padEnd(64, '1'), entry('after'));
    await cache.close();
    const reader = new DiskCache({ directory });
    assert.equal((await reader.get(keyB))?.response.choices[0]?.message.content, huge);
    assert.equal((await reader.get('c3'.padEnd(64, '1')))?.response.choices[0]?.message.content, 'after');
    assert.equal((await reader.get(keyA))?.response.choices[0]?.message.content, 'small');
  });

  it('treats an unreadable journal (a directory by that name) as a miss without crashing', async () => {
    const directory = await freshDirectory();
    await mkdir(join(directory, 'cache-abc-1-0000abcd.jsonl'), { recursive: true });
    const cache = new DiskCache({ directory });
    assert.equal(await cache.get(keyA), undefined);
    await cache.put(keyA, entry('blue'));
    assert.deepEqual(await cache.get(keyA), entry('blue'));
  });

  it('rejects put with a clear error when the directory cannot be created, and get still works', async () => {
    const root = await freshDirectory();
    await mkdir(root, { recursive: true });
    const file = join(root, 'a-regular-file');
    await writeFile(file, 'not a directory');
    const cache = new DiskCache({ directory: join(file, 'cache') });
    await assert.rejects(cache.put(keyA, entry('blue')), /^Error: Cannot write cache entry in .*a-regular-file[\\/]cache: /);
    assert.equal(await cache.get(keyA), undefined);
    assert.equal(await cache.exists(keyA), false);
    await cache.clear();
  });

  it('rejects put when writes fail (a read-only disk), while existing entries stay readable', async () => {
    const directory = await freshDirectory();
    await new DiskCache({ directory }).put(keyA, entry('blue'));
    const readOnly: JournalFileSystem = {
      ...nodeFsSync,
      readdirSync: (path) => nodeFsSync.readdirSync(path),
      openSync: (path, flags) => {
        if (flags !== 'r') throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
        return nodeFsSync.openSync(path, flags);
      },
    };
    const cache = new DiskCache({ directory, fs: readOnly });
    await assert.rejects(cache.put(keyB, entry('red')), /Cannot write cache entry in .*EROFS: read-only file system/);
    assert.deepEqual(await cache.get(keyA), entry('blue'));
    assert.equal(await cache.get(keyB), undefined);
  });

  it('starts a new journal after a failed write, so a half-written line never swallows the next entry', async () => {
    const directory = await freshDirectory();
    let failNext = false;
    const flaky: JournalFileSystem = {
      ...nodeFsSync,
      readdirSync: (path) => nodeFsSync.readdirSync(path),
      writeSync: (fd, data) => {
        if (!failNext) return nodeFsSync.writeSync(fd, data);
        failNext = false;
        // A disk that filled up half-way through the line.
        nodeFsSync.writeSync(fd, data.subarray(0, 30));
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      },
    };
    const cache = new DiskCache({ directory, fs: flaky });
    await cache.put(keyA, entry('blue'));
    failNext = true;
    await assert.rejects(cache.put(keyB, entry('red')), /ENOSPC/);
    await cache.put(keyB, entry('red, second try'));
    await cache.put('c3'.padEnd(64, '1'), entry('green'));
    const reader = new DiskCache({ directory });
    assert.deepEqual(await reader.get(keyA), entry('blue'));
    assert.equal((await reader.get(keyB))?.response.choices[0]?.message.content, 'red, second try');
    assert.equal((await reader.get('c3'.padEnd(64, '1')))?.response.choices[0]?.message.content, 'green');
  });

  it('clear removes its journals and the earlier per-entry files, and leaves other files in the directory alone', async () => {
    const directory = await freshDirectory();
    const cache = new DiskCache({ directory });
    await cache.put(keyA, entry('blue'));
    await cache.put(keyB, entry('red'));
    await mkdir(join(directory, 'a1'));
    await writeFile(join(directory, 'a1', `${keyA}.json`), '{}');
    await writeFile(join(directory, 'README.txt'), 'keep me');
    await mkdir(join(directory, 'notes'));
    await cache.clear();
    assert.equal(await cache.get(keyA), undefined);
    assert.equal(await cache.get(keyB), undefined);
    assert.deepEqual((await readdir(directory)).sort(), ['README.txt', 'notes']);
    await cache.put(keyA, entry('after clear'));
    assert.equal((await cache.get(keyA))?.response.choices[0]?.message.content, 'after clear');
  });

  it('clear on a directory that does not exist does nothing', async () => {
    const cache = new DiskCache({ directory: join(await freshDirectory(), 'never-made') });
    await cache.clear();
    assert.equal(await cache.get(keyA), undefined);
  });

  it('keeps every entry whole with two instances writing the same and different keys at once', async () => {
    const directory = await freshDirectory();
    const first = new DiskCache({ directory });
    const second = new DiskCache({ directory });
    const keys = Array.from({ length: 8 }, (_, i) => i.toString(16).padStart(2, '0').padEnd(64, 'c'));
    const big = 'x'.repeat(50_000);
    const writes: Array<Promise<void>> = [];
    for (let round = 0; round < 6; round++) {
      for (const key of keys) {
        writes.push(first.put(key, entry(`${key} first ${round} ${big}`)));
        writes.push(second.put(key, entry(`${key} second ${round} ${big}`)));
      }
    }
    const reads: Array<Promise<CachedEntry | undefined>> = [];
    for (let i = 0; i < 100; i++) reads.push(second.get(keys[i % keys.length]!));
    await Promise.all(writes);
    for (const read of await Promise.all(reads)) {
      if (read !== undefined) assert.match(read.response.choices[0]?.message.content ?? '', / (first|second) \d x+$/);
    }
    const third = new DiskCache({ directory });
    for (const key of keys) {
      const content = (await third.get(key))?.response.choices[0]?.message.content ?? '';
      assert.ok(content.startsWith(`${key} `) && content.endsWith(big), `entry for ${key} is whole`);
    }
  });
});

describe('JournalStore', () => {
  it('deletes entries and reports whether there was one, also for a new instance', async () => {
    const directory = await freshDirectory();
    const store = new JournalStore({ directory });
    await store.set(keyA, { value: { n: 1 }, expires: undefined });
    assert.deepEqual(await store.get(keyA), { value: { n: 1 }, expires: undefined });
    assert.equal(await store.has(keyA), true);
    assert.equal(await store.delete(keyA), true);
    assert.equal(await store.delete(keyA), false);
    assert.equal(await store.get(keyA), undefined);
    assert.equal(await new JournalStore({ directory }).get(keyA), undefined, 'the deletion is in the journal too');
  });

  it('serves entries in any order from read-ahead windows, without a read per entry, across journals', async () => {
    const directory = await freshDirectory();
    const keys = Array.from({ length: 600 }, (_, index) => `e${index.toString(16).padStart(8, '0')}`.padEnd(64, '0'));
    const first = new JournalStore({ directory });
    const second = new JournalStore({ directory });
    for (const [index, key] of keys.entries()) await (index % 3 === 0 ? second : first).set(key, { value: { index, text: `answer ${index} `.repeat(40) } });
    await first.disconnect();
    await second.disconnect();
    let reads = 0;
    const counting: JournalFileSystem = { ...nodeFsSync, readSync: (...args) => (reads++, nodeFsSync.readSync(...args)) };
    const reader = new JournalStore({ directory, fs: counting });
    const check = async (key: string, index: number) => assert.deepEqual(((await reader.get(key)) as { value?: unknown } | undefined)?.value, { index, text: `answer ${index} `.repeat(40) });
    for (const [index, key] of keys.entries()) await check(key, index);
    const inOrder = reads;
    assert.ok(inOrder < keys.length / 4, `${inOrder} reads for ${keys.length} entries written in order`);
    const shuffled = keys.map((key, index) => ({ key, index, order: (index * 7919) % keys.length })).sort((a, b) => a.order - b.order);
    for (const { key, index } of shuffled) await check(key, index);
    await reader.disconnect();
  });

  it('reads back non-ASCII answers whole, next to ASCII ones in the same window', async () => {
    const directory = await freshDirectory();
    const writer = new JournalStore({ directory });
    const texts = ['plain ascii', 'Grüße aus Köln — ✓', '日本語の答え', 'plain again'];
    for (const [index, text] of texts.entries()) await writer.set(`f${index}`.padEnd(64, '0'), { value: text });
    await writer.disconnect();
    const reader = new JournalStore({ directory });
    for (const [index, text] of texts.entries()) assert.deepEqual(await reader.get(`f${index}`.padEnd(64, '0')), { value: text, expires: undefined });
    await reader.disconnect();
  });

  it('reads back what it appended after a read, never a stale window', async () => {
    const directory = await freshDirectory();
    const store = new JournalStore({ directory });
    await store.set(keyA, { value: 'first' });
    assert.deepEqual(await store.get(keyA), { value: 'first', expires: undefined });
    await store.set(keyB, { value: 'second' });
    await store.set(keyA, { value: 'replaced' });
    assert.deepEqual(await store.get(keyB), { value: 'second', expires: undefined });
    assert.deepEqual(await store.get(keyA), { value: 'replaced', expires: undefined });
    await store.disconnect();
  });

  it('finds on a miss what another writer added since it last looked', async () => {
    const directory = await freshDirectory();
    let now = 0;
    const reader = new JournalStore({ directory, rescanMs: 1_000, now: () => now });
    const writer = new JournalStore({ directory });
    assert.equal(await reader.get(keyA), undefined);
    await writer.set(keyA, { value: 'from the writer' });
    now = 500;
    assert.equal(await reader.get(keyA), undefined, 'it does not look again on every miss');
    now = 1_000;
    assert.deepEqual(await reader.get(keyA), { value: 'from the writer', expires: undefined });
    await writer.set(keyB, { value: 'later' });
    now = 2_000;
    assert.deepEqual(await reader.get(keyB), { value: 'later', expires: undefined });
  });
});
