import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFsSync from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskCache } from '../../../src/core/cache/diskCache';
import { JournalStore } from '../../../src/core/cache/journalStore';
import type { JournalFileSystem } from '../../../src/core/cache/journalFileSystem';
import type { CachedEntry } from '../../../src/core/cache/cacheProvider';

/**
 * A cache on a disk that fills up: no empty journal is left per failed write,
 * a journal a failed write touched is used again, and after a few failures in
 * a row writes pause instead of trying the disk once per answer.
 */
const roots: string[] = [];
after(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

async function freshDirectory(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'llmbatch-journal-failures-'));
  roots.push(root);
  return join(root, 'cache');
}

function entry(content: string): CachedEntry {
  return {
    response: { id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-test', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] },
    statusCode: 200,
    createdAt: 1_000,
  };
}

const key = (i: number) => i.toString(16).padStart(64, '0');

/** Node's fs, except that while `full` every write fails with ENOSPC after writing `partialBytes`; counts journals opened. */
function fillingDisk(): JournalFileSystem & { full: boolean; partialBytes: number; opened: number; writes: number } {
  const disk = {
    ...nodeFsSync,
    full: false,
    partialBytes: 0,
    opened: 0,
    writes: 0,
    readdirSync: (path: string) => nodeFsSync.readdirSync(path),
    openSync: (path: string, flags: 'a' | 'r') => {
      if (flags === 'a') disk.opened++;
      return nodeFsSync.openSync(path, flags);
    },
    writeSync: (fd: number, data: Uint8Array) => {
      disk.writes++;
      if (!disk.full) return nodeFsSync.writeSync(fd, data);
      if (disk.partialBytes > 0) nodeFsSync.writeSync(fd, data.subarray(0, disk.partialBytes));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    },
  };
  return disk;
}

describe('journal store on a full disk', () => {
  it('leaves no journal behind when no write succeeds, and stops trying after three failures until the pause is over', async () => {
    const directory = await freshDirectory();
    const disk = fillingDisk();
    disk.full = true;
    let now = 0;
    const store = new JournalStore({ directory, fs: disk, now: () => now, writePauseMs: 60_000 });
    for (let i = 0; i < 2_000; i++) {
      await assert.rejects(store.set(key(i), { value: entry(`answer ${i}`) }), /^Error: Cannot write cache entry in .*cache: (ENOSPC|writes are paused)/);
    }
    assert.deepEqual(await readdir(directory), [], 'no empty journal is left');
    assert.equal(disk.opened, 3, 'three journals were tried, then writes paused');
    await assert.rejects(store.set(key(1), { value: entry('paused') }), /writes are paused for 60 s after 3 failed writes in a row \(the last: ENOSPC/);

    now += 60_000;
    await assert.rejects(store.set(key(2), { value: entry('one more try') }), /ENOSPC/);
    await assert.rejects(store.set(key(3), { value: entry('paused again') }), /writes are paused/);
    assert.equal(disk.opened, 4, 'after the pause one write is tried, and its failure pauses again');
    assert.deepEqual(await readdir(directory), []);
    await store.disconnect();
  });

  it('cuts a half-written line back and goes on in the same journal once there is room again', async () => {
    const directory = await freshDirectory();
    const disk = fillingDisk();
    const cache = new DiskCache({ directory, fs: disk });
    await cache.put(key(1), entry('before'));
    disk.full = true;
    disk.partialBytes = 40;
    await assert.rejects(cache.put(key(2), entry('lost to the full disk')), /ENOSPC/);
    disk.full = false;
    await cache.put(key(3), entry('after'));
    const journals = await readdir(directory);
    assert.equal(journals.length, 1, 'the journal was used again, not replaced');
    const text = await readFile(join(directory, journals[0]!), 'utf8');
    assert.equal(text.split('\n').filter(Boolean).length, 3, 'the header and two whole entries, no cut line');
    assert.equal(disk.opened, 1);
    const reader = new DiskCache({ directory });
    assert.equal((await reader.get(key(1)))?.response.choices[0]?.message.content, 'before');
    assert.equal(await reader.get(key(2)), undefined);
    assert.equal((await reader.get(key(3)))?.response.choices[0]?.message.content, 'after');
    await Promise.all([cache.close(), reader.close()]);
  });

  it('removes, on close, a journal whose only entry could not be written', async () => {
    const directory = await freshDirectory();
    const disk = fillingDisk();
    const store = new JournalStore({ directory, fs: disk });
    // The header fits, the entry does not.
    const realWrite = disk.writeSync;
    let writes = 0;
    disk.writeSync = (fd, data) => {
      if (++writes === 2) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return realWrite(fd, data);
    };
    await assert.rejects(store.set(key(1), { value: entry('no room') }), /ENOSPC/);
    assert.equal((await readdir(directory)).length, 1, 'the journal stays open for the next entry');
    await store.disconnect();
    assert.deepEqual(await readdir(directory), [], 'a journal without an entry is not left behind');
  });
});
