/**
 * Several processes sharing one disk cache. The same bundle is forked as the
 * second writer: with the writer variable set it writes entries and exits
 * instead of defining tests.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskCache } from '../../../src/core/cache/diskCache';
import type { CachedEntry } from '../../../src/core/cache/cacheProvider';

const writerVariable = 'LLMBATCH_TEST_CACHE_WRITER_DIRECTORY';
const keys = Array.from({ length: 6 }, (_, i) => `${i}f`.padEnd(64, 'e'));
const rounds = 8;
const filler = 'y'.repeat(60_000);

function entry(content: string): CachedEntry {
  return {
    response: { id: 'chatcmpl-1', model: 'gpt-test', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] },
    statusCode: 200,
    createdAt: 1,
  };
}

async function writeEntries(directory: string, writer: string): Promise<void> {
  const cache = new DiskCache({ directory });
  for (let round = 0; round < rounds; round++) {
    await Promise.all(keys.map((key) => cache.put(key, entry(`${key} ${writer} ${round} ${filler}`))));
  }
}

const writerDirectory = process.env[writerVariable];
if (writerDirectory !== undefined) {
  writeEntries(writerDirectory, 'child').then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
} else {
  const roots: string[] = [];
  after(async () => {
    await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
  });

  describe('DiskCache shared by processes', () => {
    it('never exposes a half-written entry while another process and two instances write the same keys, each to its own journal', async () => {
      const root = await mkdtemp(join(tmpdir(), 'llmbatch-cache-processes-'));
      roots.push(root);
      const directory = join(root, 'cache');
      const { NODE_TEST_CONTEXT: _context, ...env } = process.env;
      const child = fork(__filename, [], { env: { ...env, [writerVariable]: directory }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      let childErrors = '';
      child.stderr?.on('data', (chunk: Buffer) => (childErrors += chunk.toString()));
      const childDone = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

      let writing = true;
      let wholeReads = 0;
      const halfReads: string[] = [];
      // Read the journals directly: the cache would hide a torn line as a miss.
      const reader = (async () => {
        while (writing) {
          for (const name of await readdir(directory).catch(() => [] as string[])) {
            const text = await readFile(join(directory, name), 'utf8').catch(() => undefined);
            if (text === undefined) continue;
            // Only newline-terminated lines are whole; the last piece may still be being written.
            for (const line of text.split('\n').slice(0, -1)) {
              try {
                JSON.parse(line);
                wholeReads++;
              } catch {
                halfReads.push(`${name}: a line of ${line.length} characters`);
              }
            }
          }
        }
      })();
      const cacheReads: Array<CachedEntry | undefined> = [];
      const cacheReader = new DiskCache({ directory });
      const cachedReading = (async () => {
        while (writing) for (const key of keys) cacheReads.push(await cacheReader.get(key));
      })();

      await Promise.all([writeEntries(directory, 'first'), writeEntries(directory, 'second')]);
      const exitCode = await childDone;
      writing = false;
      await Promise.all([reader, cachedReading]);

      assert.equal(exitCode, 0, childErrors);
      assert.deepEqual(halfReads, []);
      assert.ok(wholeReads > 0);
      for (const read of cacheReads) {
        if (read !== undefined) assert.match(read.response.choices[0]?.message.content ?? '', / (first|second|child) \d+ y+$/);
      }
      const finalCache = new DiskCache({ directory });
      for (const key of keys) {
        const content = (await finalCache.get(key))?.response.choices[0]?.message.content ?? '';
        assert.match(content, new RegExp(`^${key} (first|second|child) ${rounds - 1} y+$`));
      }
      const journals = (await readdir(directory)).sort();
      assert.equal(journals.length, 3, `one journal per writing instance (found ${journals.join(', ')})`);
      for (const name of journals) assert.match(name, /^cache-[0-9a-z]+-\d+-[0-9a-f]{8}\.jsonl$/);
    });
  });
}
