/**
 * The cache a run uses when a Redis server is configured: the local cache in
 * front of Redis. Each workspace gets its own Redis namespace unless the user
 * names a team namespace, which everyone naming it shares.
 */
import { createHash } from 'node:crypto';
import type { CacheProvider, Clock } from './cacheProvider';
import { RedisCache } from './redisCache';
import { TieredCache } from './tieredCache';

/** Environment variable read for the Redis URL when no setting or option gives one. */
export const redisUrlEnv = 'LLMBATCH_REDIS_URL';

/** `llmbatch:ws:<16 hex>`: a namespace only this workspace (named by its folder or cache directory) uses. */
export function workspaceNamespace(workspacePath: string): string {
  return `llmbatch:ws:${createHash('sha256').update(workspacePath).digest('hex').slice(0, 16)}`;
}

/** `llmbatch:team:<name>`: shared by everyone who names it. */
export function teamNamespace(name: string): string {
  return `llmbatch:team:${name.trim()}`;
}

/** The URL with any password replaced, for messages. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'the configured Redis server';
  }
}

/** Whether `url` looks like a Redis URL this cache can use; returns a message when not. */
export function checkRedisUrl(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a URL (expected redis://host:6379)`;
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') return `the Redis URL must start with redis:// or rediss:// (got ${parsed.protocol}//)`;
  return undefined;
}

export interface SharedCacheOptions {
  /** The disk cache, consulted first and always written. */
  readonly local: CacheProvider;
  readonly redisUrl: string;
  /** A team name shared with others; unset keeps entries to `workspacePath`'s own namespace. */
  readonly teamNamespace?: string;
  /** The workspace folder or cache directory the private namespace is derived from. */
  readonly workspacePath: string;
  readonly ttlMs?: number;
  readonly clock?: Clock;
  /** Default 1 500 ms. */
  readonly connectTimeoutMs?: number;
  /** Default 60 000 ms. */
  readonly retryAfterMs?: number;
  /** The one message of a Redis outage: the run goes on with the local cache. */
  readonly onWarning?: (message: string) => void;
}

/** The local cache in front of a Redis namespace; Redis trouble is a warning, never a failure. */
export function openSharedCache(options: SharedCacheOptions): TieredCache {
  const team = options.teamNamespace?.trim();
  const namespace = team ? teamNamespace(team) : workspaceNamespace(options.workspacePath);
  const where = describeRedisUrl(options.redisUrl);
  let tiered: TieredCache | undefined;
  const remote = new RedisCache({
    url: options.redisUrl,
    namespace,
    ...(options.ttlMs !== undefined && { ttlMs: options.ttlMs }),
    ...(options.clock && { clock: options.clock }),
    ...(options.connectTimeoutMs !== undefined && { connectTimeoutMs: options.connectTimeoutMs }),
    onError: (error) => tiered?.remoteFailed(error),
  });
  tiered = new TieredCache({
    local: options.local,
    remote,
    // Clearing a team namespace would delete answers teammates paid for.
    clearRemote: !team,
    ...(options.clock && { clock: options.clock }),
    ...(options.retryAfterMs !== undefined && { retryAfterMs: options.retryAfterMs }),
    onRemoteError: (error) => options.onWarning?.(`the shared cache at ${where} is not usable (${describeRedisError(error)}); using the local cache only`),
  });
  return tiered;
}

function describeRedisError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  const text = typeof code === 'string' && !message.includes(code) ? `${code} ${message}` : message;
  // Connection errors can quote the URL, password included.
  return text.replace(/\/\/[^@/\s]*@/g, '//***@') || 'unknown error';
}
