import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as nodeFs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskCache } from '../../../src/core/cache/diskCache';
import { FileStore } from '../../../src/core/cache/fileStore';
import type { CacheFileSystem } from '../../../src/core/cache/fileStore';
import type { CachedEntry } from '../../../src/core/cache/cacheProvider';

const roots: string[] = [];
after(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

async function freshDirectory(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'llmbatch-disk-cache-'));
  roots.push(root);
  return join(root, 'cache');
}

function entry(content: string, extra: Partial<CachedEntry> = {}): CachedEntry {
  return {
    response: { id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-test', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] },
    statusCode: 200,
    requestId: 'req_1',
    createdAt: 1_000,
    ...extra,
  };
}

function manualClock(start = 0): { now(): number; advance(ms: number): void } {
  let time = start;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

const keyA = 'a1'.padEnd(64, '0');
const keyB = 'b2'.padEnd(64, '7');

async function allFiles(directory: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of await readdir(directory).catch(() => [] as string[])) {
    const path = join(directory, name);
    const children = await readdir(path).catch(() => undefined);
    if (children) found.push(...children.map((child) => join(name, child)));
    else found.push(name);
  }
  return found.sort();
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

  it('writes one readable JSON file per entry, fanned out by the first two hex characters', async () => {
    const directory = await freshDirectory();
    const cache = new DiskCache({ directory });
    await cache.put(keyA, entry(':base64:aGk='));
    await cache.put(keyB, entry('::colons'));
    assert.deepEqual(await allFiles(directory), [join('a1', `${keyA}.json`), join('b2', `${keyB}.json`)]);
    const text = await readFile(join(directory, 'a1', `${keyA}.json`), 'utf8');
    assert.ok(text.includes('\n  "format": "llmbatch-cache"'), 'entry files are indented for people');
    const file = JSON.parse(text) as { format: string; version: number; key: string; value: CachedEntry };
    assert.equal(file.format, 'llmbatch-cache');
    assert.equal(file.version, 1);
    assert.equal(file.key, keyA);
    // Plain JSON on disk: no serializer escaping of values that start with ':'.
    assert.equal(file.value.response.choices[0]?.message.content, ':base64:aGk=');
    assert.equal((await cache.get(keyA))?.response.choices[0]?.message.content, ':base64:aGk=');
    assert.equal((await cache.get(keyB))?.response.choices[0]?.message.content, '::colons');
  });

  it('stores keys that are not hex digests under a hashed file name', async () => {
    const directory = await freshDirectory();
    const cache = new DiskCache({ directory });
    await cache.put('../../etc/passwd', entry('safe'));
    assert.deepEqual(await cache.get('../../etc/passwd'), entry('safe'));
    const files = await allFiles(directory);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^[0-9a-f]{2}[\\/][0-9a-f]{64}\.json$/);
  });

  it('expires entries by the injected clock, also across a new instance', async () => {
    const directory = await freshDirectory();
    const clock = manualClock(1_000_000);
    const writer = new DiskCache({ directory, ttlMs: 60_000, clock });
    await writer.put(keyA, entry('blue'));
    await writer.close();
    clock.advance(59_999);
    const reader = new DiskCache({ directory, ttlMs: 60_000, clock });
    assert.deepEqual(await reader.get(keyA), entry('blue'));
    clock.advance(1);
    const later = new DiskCache({ directory, clock });
    assert.equal(await later.exists(keyA), false);
    assert.equal(await later.get(keyA), undefined);
    assert.equal(existsSync(join(directory, 'a1', `${keyA}.json`)), false, 'the expired entry file is removed');
  });

  const corruptions: Array<[string, (text: string) => string]> = [
    ['truncated', (text) => text.slice(0, Math.floor(text.length / 2))],
    ['empty', () => ''],
    ['garbage', () => '\u0000\u0001not json at all'],
    ['a future version', (text) => JSON.stringify({ ...JSON.parse(text), version: 99 })],
    ['another format', (text) => JSON.stringify({ ...JSON.parse(text), format: 'something-else' })],
    ['for another key', (text) => JSON.stringify({ ...JSON.parse(text), key: keyB })],
    ['not an entry', (text) => JSON.stringify({ ...JSON.parse(text), value: { statusCode: 200 } })],
    ['an entry without choices', (text) => JSON.stringify({ ...JSON.parse(text), value: { ...entry('x'), response: { id: 'x', model: 'm', choices: [] } } })],
  ];
  for (const [kind, corrupt] of corruptions) {
    it(`treats an entry file that is ${kind} as a miss and removes it`, async () => {
      const directory = await freshDirectory();
      const cache = new DiskCache({ directory });
      await cache.put(keyA, entry('blue'));
      const path = join(directory, 'a1', `${keyA}.json`);
      await writeFile(path, corrupt(await readFile(path, 'utf8')));
      assert.equal(await cache.get(keyA), undefined);
      assert.equal(existsSync(path), false);
      await cache.put(keyA, entry('again'));
      assert.equal((await cache.get(keyA))?.response.choices[0]?.message.content, 'again');
    });
  }

  it('treats an unreadable entry path (a directory) as a miss without crashing', async () => {
    const directory = await freshDirectory();
    await mkdir(join(directory, 'a1', `${keyA}.json`), { recursive: true });
    const cache = new DiskCache({ directory });
    assert.equal(await cache.get(keyA), undefined);
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
    const readOnly: CacheFileSystem = {
      ...nodeFs,
      readFile: (path, encoding) => nodeFs.readFile(path, encoding),
      readdir: (path) => nodeFs.readdir(path),
      writeFile: async () => {
        throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
      },
    };
    const cache = new DiskCache({ directory, fs: readOnly });
    await assert.rejects(cache.put(keyB, entry('red')), /Cannot write cache entry in .*EROFS: read-only file system/);
    assert.deepEqual(await cache.get(keyA), entry('blue'));
    assert.equal(await cache.get(keyB), undefined);
  });

  it('clear removes its entries and leaves other files in the directory alone', async () => {
    const directory = await freshDirectory();
    const cache = new DiskCache({ directory });
    await cache.put(keyA, entry('blue'));
    await cache.put(keyB, entry('red'));
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
    for (const key of keys) {
      const content = (await first.get(key))?.response.choices[0]?.message.content ?? '';
      assert.ok(content.startsWith(`${key} `) && content.endsWith(big), `entry for ${key} is whole`);
    }
    assert.deepEqual(
      (await allFiles(directory)).filter((name) => name.endsWith('.tmp')),
      [],
      'no temporary files are left behind',
    );
  });
});

describe('FileStore', () => {
  it('deletes entries and reports whether there was one', async () => {
    const store = new FileStore({ directory: await freshDirectory() });
    await store.set(keyA, { value: { n: 1 }, expires: undefined });
    assert.deepEqual(await store.get(keyA), { value: { n: 1 }, expires: undefined });
    assert.equal(await store.has(keyA), true);
    assert.equal(await store.delete(keyA), true);
    assert.equal(await store.delete(keyA), false);
    assert.equal(await store.get(keyA), undefined);
  });
});
