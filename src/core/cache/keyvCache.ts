/**
 * A `CacheProvider` over any keyv instance. Expiry is kept here rather than in
 * keyv because keyv reads `Date.now()` directly and the cache must follow an
 * injected clock; the expiry time is stored inside the value so it survives
 * restarts of a persistent store.
 */
import type { Keyv } from 'keyv';
import { chatCompletionSchema, isChatCompletion } from '../models';
import type { CachedEntry, CacheProvider, Clock } from './cacheProvider';

/** What is stored under a key: the entry plus when it stops being served. */
interface StoredEntry extends CachedEntry {
  readonly expiresAt?: number;
}

export interface KeyvCacheOptions {
  /** Entries older than this are misses; unset keeps entries until cleared. */
  readonly ttlMs?: number;
  readonly clock?: Clock;
}

export class KeyvCache implements CacheProvider {
  private readonly ttlMs: number | undefined;
  private readonly clock: Clock;

  constructor(
    private readonly keyv: Keyv,
    options: KeyvCacheOptions = {},
  ) {
    if (options.ttlMs !== undefined && !(options.ttlMs > 0)) throw new RangeError(`ttlMs must be a positive number (got ${options.ttlMs})`);
    this.ttlMs = options.ttlMs;
    this.clock = options.clock ?? Date;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  async get(key: string): Promise<CachedEntry | undefined> {
    let stored: unknown;
    try {
      stored = await this.keyv.get(key);
    } catch {
      return undefined;
    }
    if (stored === undefined || stored === null) return undefined;
    const entry = toEntry(stored);
    const expired = entry !== undefined && entry.expiresAt !== undefined && entry.expiresAt <= this.clock.now();
    if (entry === undefined || expired) {
      await this.keyv.delete(key).catch(() => false);
      return undefined;
    }
    const { expiresAt: _expiresAt, ...rest } = entry;
    return rest;
  }

  async put(key: string, entry: CachedEntry): Promise<void> {
    const stored: StoredEntry = this.ttlMs === undefined ? { ...entry } : { ...entry, expiresAt: this.clock.now() + this.ttlMs };
    await this.keyv.set(key, stored);
  }

  async clear(): Promise<void> {
    await this.keyv.clear();
  }

  async close(): Promise<void> {
    await this.keyv.disconnect();
  }
}

// Anything else under a key (another format, a hand-edited file) is unusable
// and must not reach the engine as if it were an answer.
function toEntry(value: unknown): StoredEntry | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const candidate = value as Record<string, unknown>;
  if (typeof candidate.statusCode !== 'number' || typeof candidate.createdAt !== 'number') return undefined;
  if (candidate.expiresAt !== undefined && typeof candidate.expiresAt !== 'number') return undefined;
  if (candidate.requestId !== undefined && typeof candidate.requestId !== 'string') return undefined;
  if (candidate.via !== undefined && candidate.via !== 'batch') return undefined;
  const latencyMs = typeof candidate.latencyMs === 'number' && Number.isFinite(candidate.latencyMs) && candidate.latencyMs >= 0 ? candidate.latencyMs : undefined;
  const response = isChatCompletion(candidate.response) ? candidate.response : chatCompletionSchema.safeParse(candidate.response).data;
  if (response === undefined) return undefined;
  return {
    response,
    statusCode: candidate.statusCode,
    createdAt: candidate.createdAt,
    ...(candidate.requestId === undefined ? {} : { requestId: candidate.requestId }),
    ...(candidate.via === 'batch' && { via: 'batch' as const }),
    ...(latencyMs !== undefined && { latencyMs }),
    ...(candidate.expiresAt === undefined ? {} : { expiresAt: candidate.expiresAt }),
  };
}
