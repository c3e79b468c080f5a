/**
 * The cache of a CLI run: the disk cache, optionally in front of a Redis
 * server a team shares (`--cache-backend redis`).
 */
import type { CacheProvider } from '../core/cache/cacheProvider';
import { DiskCache } from '../core/cache/diskCache';
import type { JournalFileSystem } from '../core/cache/journalFileSystem';
import { checkRedisUrl, openSharedCache, redisUrlEnv } from '../core/cache/sharedCache';

export interface CacheBackendOptions {
  /** `disk` (default) or `redis`: the disk cache in front of Redis. */
  readonly cacheBackend?: 'disk' | 'redis';
  /** Default `$LLMBATCH_REDIS_URL`. */
  readonly redisUrl?: string;
  /** A team namespace to share; default a namespace of this cache directory only. */
  readonly cacheNamespace?: string;
}

export const cacheBackendUsage = `  --cache-backend NAME  disk (default) or redis: the disk cache in front of a
                        Redis server; Redis trouble is a warning, never a failure
  --redis-url URL       redis://host:6379 (default $LLMBATCH_REDIS_URL)
  --cache-namespace N   share answers with everyone using namespace N on that
                        server (default: this cache directory's own namespace)`;

/** Checks the raw option values; throws an Error with the message for the user. */
export function parseCacheBackend(raw: { backend?: string | undefined; redisUrl?: string | undefined; namespace?: string | undefined }): CacheBackendOptions {
  if (raw.backend !== undefined && raw.backend !== 'disk' && raw.backend !== 'redis') throw new Error(`--cache-backend must be disk or redis (got ${JSON.stringify(raw.backend)})`);
  if (raw.redisUrl !== undefined) {
    const problem = checkRedisUrl(raw.redisUrl);
    if (problem) throw new Error(`--redis-url: ${problem}`);
    if (raw.backend === 'disk') throw new Error('--redis-url needs --cache-backend redis');
  }
  const backend = raw.backend ?? (raw.redisUrl !== undefined ? 'redis' : undefined);
  if (raw.namespace !== undefined && backend !== 'redis') throw new Error('--cache-namespace needs --cache-backend redis');
  if (raw.namespace !== undefined && raw.namespace.trim() === '') throw new Error('--cache-namespace must not be empty');
  return {
    ...(backend !== undefined && { cacheBackend: backend }),
    ...(raw.redisUrl !== undefined && { redisUrl: raw.redisUrl }),
    ...(raw.namespace !== undefined && { cacheNamespace: raw.namespace }),
  };
}

/**
 * Opens the cache in `directory`; with the redis backend, the disk cache in
 * front of Redis, whose trouble is reported once through `warn`. Throws when
 * the redis backend has no usable URL.
 */
export function openCliCache(
  options: CacheBackendOptions & { readonly ttlMs?: number | undefined; readonly fs?: JournalFileSystem | undefined },
  directory: string,
  env: Readonly<Record<string, string | undefined>>,
  warn: (message: string) => void,
): CacheProvider {
  const disk = new DiskCache({ directory, ...(options.ttlMs !== undefined && { ttlMs: options.ttlMs }), ...(options.fs && { fs: options.fs }) });
  if (options.cacheBackend !== 'redis') return disk;
  const url = options.redisUrl ?? env[redisUrlEnv];
  if (!url) throw new Error(`--cache-backend redis needs --redis-url or the ${redisUrlEnv} environment variable`);
  const problem = checkRedisUrl(url);
  if (problem) throw new Error(`${redisUrlEnv}: ${problem}`);
  return openSharedCache({
    local: disk,
    redisUrl: url,
    workspacePath: directory,
    ...(options.cacheNamespace !== undefined && { teamNamespace: options.cacheNamespace }),
    ...(options.ttlMs !== undefined && { ttlMs: options.ttlMs }),
    onWarning: warn,
  });
}
