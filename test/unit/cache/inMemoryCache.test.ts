import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryCache } from '../../../src/core/cache/inMemoryCache';

// What every cache promises (hits, misses, TTL, clear, round-trips) is checked in cacheContract.test.ts.
describe('InMemoryCache', () => {
  it('rejects a TTL that is not positive', () => {
    assert.throws(() => new InMemoryCache({ ttlMs: 0 }), RangeError);
  });
});
