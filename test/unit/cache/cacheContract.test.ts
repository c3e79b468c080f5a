import { after, before, describe } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryCache } from '../../../src/core/cache/inMemoryCache';
import { DiskCache } from '../../../src/core/cache/diskCache';
import { TieredCache } from '../../../src/core/cache/tieredCache';
import { RedisCache } from '../../../src/core/cache/redisCache';
import { cacheContract } from './cacheContract';
import { startRedisServer } from '../sharedCache/redisServer';
import type { RedisServer } from '../sharedCache/redisServer';

describe('every cache keeps the CacheProvider contract', () => {
  let root: string;
  let redis: RedisServer;
  let fresh = 0;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'llmbatch-cache-contract-'));
    redis = await startRedisServer();
  });
  after(async () => {
    await redis.stop();
    await rm(root, { recursive: true, force: true });
  });
  const directory = () => join(root, `cache-${fresh++}`);

  describe('InMemoryCache', () => cacheContract((options) => new InMemoryCache(options)));
  describe('DiskCache', () => cacheContract((options) => new DiskCache({ directory: directory(), ...options })));
  describe('RedisCache', () => cacheContract((options) => new RedisCache({ url: redis.url, namespace: `contract-${fresh++}`, ...options })));
  describe('TieredCache (memory in front of disk)', () =>
    cacheContract((options) => new TieredCache({ local: new InMemoryCache(options), remote: new DiskCache({ directory: directory(), ...options }), ...(options.clock && { clock: options.clock }) })));
});
