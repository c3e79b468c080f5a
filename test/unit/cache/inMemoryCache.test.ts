import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryCache } from '../../../src/core/cache/inMemoryCache';
import type { CachedEntry } from '../../../src/core/cache/cacheProvider';

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

describe('InMemoryCache', () => {
  it('misses, then hits after a put', async () => {
    const cache = new InMemoryCache();
    assert.equal(await cache.get('k'), undefined);
    assert.equal(await cache.exists('k'), false);
    await cache.put('k', entry('blue'));
    assert.deepEqual(await cache.get('k'), entry('blue'));
    assert.equal(await cache.exists('k'), true);
    assert.equal(await cache.get('other'), undefined);
  });

  it('expires entries after the TTL by the injected clock', async () => {
    const clock = manualClock(5_000);
    const cache = new InMemoryCache({ ttlMs: 1_000, clock });
    await cache.put('k', entry('blue'));
    clock.advance(999);
    assert.deepEqual(await cache.get('k'), entry('blue'));
    clock.advance(1);
    assert.equal(await cache.get('k'), undefined);
    assert.equal(await cache.exists('k'), false);
  });

  it('keeps entries without a TTL however much time passes', async () => {
    const clock = manualClock();
    const cache = new InMemoryCache({ clock });
    await cache.put('k', entry('blue'));
    clock.advance(10 * 365 * 24 * 3600 * 1000);
    assert.ok(await cache.get('k'));
  });

  it('is not changed by mutating what get returned', async () => {
    const cache = new InMemoryCache();
    await cache.put('k', entry('blue'));
    const first = (await cache.get('k')) as { response: { choices: Array<{ message: { content: string } }> } };
    first.response.choices[0]!.message.content = 'changed';
    assert.equal((await cache.get('k'))?.response.choices[0]?.message.content, 'blue');
  });

  it('round-trips content that looks like serializer markers', async () => {
    const cache = new InMemoryCache();
    for (const content of [':base64:aGVsbG8=', '::double', ':', '']) {
      await cache.put(content || 'empty', entry(content));
      assert.equal((await cache.get(content || 'empty'))?.response.choices[0]?.message.content, content);
    }
  });

  it('leaves out an absent request id', async () => {
    const cache = new InMemoryCache();
    const { requestId: _requestId, ...withoutId } = entry('blue');
    await cache.put('k', withoutId);
    assert.deepEqual(await cache.get('k'), withoutId);
  });

  it('clear removes every entry', async () => {
    const cache = new InMemoryCache();
    await cache.put('a', entry('1'));
    await cache.put('b', entry('2'));
    await cache.clear();
    assert.equal(await cache.get('a'), undefined);
    assert.equal(await cache.get('b'), undefined);
    await cache.close();
  });

  it('rejects a TTL that is not positive', () => {
    assert.throws(() => new InMemoryCache({ ttlMs: 0 }), RangeError);
  });
});
