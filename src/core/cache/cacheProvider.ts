/**
 * The response cache the engine consults before sending a request: answers are
 * stored under a key derived from the request (see `cacheKey`) so re-running a
 * batch only pays for what changed.
 */
import type { ChatCompletion } from '../models';

/** One cached answer. */
export interface CachedEntry {
  readonly response: ChatCompletion;
  readonly statusCode: number;
  readonly requestId?: string;
  /** When the answer was received (epoch ms). */
  readonly createdAt: number;
  /** Set when the answer came from a Batch API job rather than a live request. */
  readonly via?: 'batch';
  /** How long the live answer took (ms); absent in entries written before it was kept. */
  readonly latencyMs?: number;
}

export interface CacheProvider {
  /** Whether `get(key)` would currently return an entry. */
  exists(key: string): Promise<boolean>;
  /** The entry stored under `key`, or undefined when absent, expired or unreadable. Never rejects. */
  get(key: string): Promise<CachedEntry | undefined>;
  /** Stores `entry`; rejects with a readable error when the cache cannot be written. */
  put(key: string, entry: CachedEntry): Promise<void>;
  /** Removes every entry of this cache. */
  clear(): Promise<void>;
  close(): Promise<void>;
}

/** A source of the current time; `Date` is one. */
export interface Clock {
  now(): number;
}
