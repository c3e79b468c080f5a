/**
 * A cache on a Redis server, through keyv's Redis adapter, so a team can share
 * answers. Entries are stored as `<namespace>::<cache key>`; `clear()` removes
 * this namespace's entries and nothing else.
 *
 * A cache must never hold a run up: connecting gives up after a short timeout,
 * a lost connection is not retried in the background, and commands fail at
 * once while disconnected instead of queueing. The next operation tries to
 * connect again.
 */
import KeyvRedis, { createClient } from '@keyv/redis';
import { Keyv } from 'keyv';
import type { CachedEntry, CacheProvider, Clock } from './cacheProvider';
import { KeyvCache } from './keyvCache';

export interface RedisCacheOptions {
  /** `redis://[[user]:password@]host[:port][/db]` or `rediss://…` for TLS. */
  readonly url: string;
  /** Prefix of every key this cache reads and writes. */
  readonly namespace: string;
  /** Entries older than this are misses. */
  readonly ttlMs?: number;
  readonly clock?: Clock;
  /** Give up connecting after this long. Default 1 500 ms. */
  readonly connectTimeoutMs?: number;
  /** Told of every connection or command failure (reads fail as misses, writes reject). */
  readonly onError?: (error: Error) => void;
}

export class RedisCache implements CacheProvider {
  readonly namespace: string;
  readonly #client: ReturnType<typeof createClient>;
  readonly #cache: KeyvCache;
  readonly #keyv: Keyv;
  readonly #onError: (error: Error) => void;
  readonly #connectTimeoutMs: number;
  #connecting: Promise<void> | undefined;
  #closed = false;

  constructor(options: RedisCacheOptions) {
    this.namespace = options.namespace;
    this.#onError = (error) => {
      try {
        options.onError?.(error);
      } catch {
        // A broken listener must not turn a cache miss into a failed run.
      }
    };
    const connectTimeout = options.connectTimeoutMs ?? 1_500;
    this.#connectTimeoutMs = connectTimeout;
    this.#client = createClient({ url: options.url, disableOfflineQueue: true, socket: { connectTimeout, reconnectStrategy: false } });
    // Without a listener an `error` event would end the process.
    this.#client.on('error', (error: unknown) => this.#onError(asError(error)));
    const store = new KeyvRedis(this.#client, { throwOnErrors: true, throwOnConnectError: true, connectionTimeout: connectTimeout });
    store.on('error', () => undefined);
    this.#keyv = new Keyv({ store, namespace: options.namespace, useKeyPrefix: false, emitErrors: false, throwOnErrors: true });
    this.#cache = new KeyvCache(this.#keyv, { ...(options.ttlMs !== undefined && { ttlMs: options.ttlMs }), ...(options.clock && { clock: options.clock }) });
  }

  async exists(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  async get(key: string): Promise<CachedEntry | undefined> {
    if (!(await this.#ready().then(() => true, () => false))) return undefined;
    return this.#cache.get(key);
  }

  async put(key: string, entry: CachedEntry): Promise<void> {
    await this.#ready();
    await this.#cache.put(key, entry);
  }

  /** Removes the entries of this namespace. */
  async clear(): Promise<void> {
    await this.#ready();
    await this.#cache.clear();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#client.isReady) await this.#client.close().catch(() => this.#client.destroy());
    else if (this.#client.isOpen) this.#client.destroy();
  }

  /**
   * Connects once for every caller waiting at the same time. The timeout also
   * covers the handshake after the socket opened: a server that accepts
   * connections and never answers must not hold anyone up.
   */
  #ready(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the Redis cache is closed'));
    if (this.#client.isReady) return Promise.resolve();
    if (this.#connecting) return this.#connecting;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from Redis within ${this.#connectTimeoutMs} ms`)), this.#connectTimeoutMs);
      timer.unref();
    });
    this.#connecting = Promise.race([this.#client.connect(), timeout])
      .then(() => undefined)
      .catch((error: unknown) => {
        const failure = asError(error);
        this.#onError(failure);
        if (this.#client.isOpen) this.#client.destroy();
        throw failure;
      })
      .finally(() => {
        clearTimeout(timer);
        this.#connecting = undefined;
      });
    return this.#connecting;
  }
}

function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  return new Error(String(error));
}
