/**
 * What every `CacheProvider` promises the engine, written once and run against
 * each cache (cacheContract.test.ts), so a new backend is held to the same rules.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import type { CachedEntry, CacheProvider, Clock } from '../../../src/core/cache/cacheProvider';
import { fakeClock } from '../fixtures/fakeClock';

/** A cached answer saying `content`. */
export function entry(content: string, extra: Partial<CachedEntry> = {}): CachedEntry {
  return {
    response: { id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-test', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] },
    statusCode: 200,
    requestId: 'req_1',
    createdAt: 1_000,
    ...extra,
  };
}

/** Cache keys as the engine makes them (hex digests). */
export const keyA = 'a1'.padEnd(64, '0');
export const keyB = 'b2'.padEnd(64, '7');

export type OpenCache = (options: { ttlMs?: number; clock?: Clock }) => CacheProvider | Promise<CacheProvider>;

/** Registers the contract's tests for the cache `open` returns, each on a fresh, empty cache. */
export function cacheContract(open: OpenCache): void {
  async function using(options: { ttlMs?: number; clock?: Clock }, body: (cache: CacheProvider) => Promise<void>): Promise<void> {
    const cache = await open(options);
    try {
      await body(cache);
    } finally {
      await cache.clear();
      await cache.close();
    }
  }

  it('misses, then hits after a put', () =>
    using({}, async (cache) => {
      assert.equal(await cache.get(keyA), undefined);
      assert.equal(await cache.exists(keyA), false);
      await cache.put(keyA, entry('blue'));
      assert.deepEqual(await cache.get(keyA), entry('blue'));
      assert.equal(await cache.exists(keyA), true);
      assert.equal(await cache.get(keyB), undefined);
    }));

  it('expires entries after the TTL by the injected clock', async () => {
    const { clock, advance } = fakeClock(5_000);
    await using({ ttlMs: 1_000, clock }, async (cache) => {
      await cache.put(keyA, entry('blue'));
      await advance(999);
      assert.deepEqual(await cache.get(keyA), entry('blue'));
      await advance(1);
      assert.equal(await cache.get(keyA), undefined);
      assert.equal(await cache.exists(keyA), false);
    });
  });

  it('keeps entries without a TTL however much time passes', async () => {
    const { clock, advance } = fakeClock(0);
    await using({ clock }, async (cache) => {
      await cache.put(keyA, entry('blue'));
      await advance(10 * 365 * 24 * 3600 * 1000);
      assert.ok(await cache.get(keyA));
    });
  });

  it('is not changed by mutating what get returned', () =>
    using({}, async (cache) => {
      await cache.put(keyA, entry('blue'));
      const first = (await cache.get(keyA)) as { response: { choices: Array<{ message: { content: string } }> } };
      first.response.choices[0]!.message.content = 'changed';
      assert.equal((await cache.get(keyA))?.response.choices[0]?.message.content, 'blue');
    }));

  it('round-trips content that looks like serializer markers, and non-ASCII text', () =>
    using({}, async (cache) => {
      const contents = [':base64:aGVsbG8=', '::double', ':', '', 'naïve 日本語 🙂'];
      for (const [at, content] of contents.entries()) await cache.put(String(at).padEnd(64, 'c'), entry(content));
      for (const [at, content] of contents.entries()) assert.equal((await cache.get(String(at).padEnd(64, 'c')))?.response.choices[0]?.message.content, content);
    }));

  it('leaves out an absent request id and keeps the mark of a Batch API answer', () =>
    using({}, async (cache) => {
      const { requestId: _requestId, ...withoutId } = entry('blue');
      await cache.put(keyA, withoutId);
      assert.deepEqual(await cache.get(keyA), withoutId);
      await cache.put(keyB, entry('green', { via: 'batch' }));
      assert.deepEqual(await cache.get(keyB), entry('green', { via: 'batch' }));
    }));

  it('clear removes every entry', () =>
    using({}, async (cache) => {
      await cache.put(keyA, entry('1'));
      await cache.put(keyB, entry('2'));
      await cache.clear();
      assert.equal(await cache.get(keyA), undefined);
      assert.equal(await cache.get(keyB), undefined);
    }));
}
