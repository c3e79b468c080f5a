/**
 * A cache on a Redis server, through keyv's Redis adapter, so a team can share
 * answers. Entries are stored as `<namespace>::<cache key>`; `clear()` removes
 * this namespace's entries and nothing else.
 *
 * A cache must never hold a run up: connecting gives up after a short timeout,
 * a lost connection is not retried in the background, and commands fail at
 * once while disconnected instead of queueing. The next operation tries to
 * connect again. The Redis client is loaded on first use: most runs never
 * need it, and every start would pay for parsing it.
 */
import { Keyv } from 'keyv';
import type { CachedEntry, CacheProvider, Clock } from './cacheProvider';
import { KeyvCache } from './keyvCache';
import type { Timer } from '../engine/timers';
import { startTimer } from '../engine/timers';

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

/** What is used of the client once it exists. */
interface RedisClient {
  readonly isReady: boolean;
  readonly isOpen: boolean;
  connect(): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): void;
}

interface Connection {
  readonly client: RedisClient;
  readonly cache: KeyvCache;
}

export class RedisCache implements CacheProvider {
  readonly namespace: string;
  readonly #options: RedisCacheOptions;
  readonly #onError: (error: Error) => void;
  readonly #connectTimeoutMs: number;
  #connection: Promise<Connection> | undefined;
  #connecting: Promise<void> | undefined;
  #closed = false;

  constructor(options: RedisCacheOptions) {
    this.namespace = options.namespace;
    this.#options = options;
    this.#onError = (error) => {
      try {
        options.onError?.(error);
      } catch {
        // A broken listener must not turn a cache miss into a failed run.
      }
    };
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 1_500;
  }

  #connectionParts(): Promise<Connection> {
    this.#connection ??= import('@keyv/redis').then(({ default: KeyvRedis, createClient }) => {
      const options = this.#options;
      const connectTimeout = this.#connectTimeoutMs;
      const client = createClient({ url: options.url, disableOfflineQueue: true, socket: { connectTimeout, reconnectStrategy: false } });
      // Without a listener an `error` event would end the process.
      client.on('error', (error: unknown) => this.#onError(asError(error)));
      const store = new KeyvRedis(client, { throwOnErrors: true, throwOnConnectError: true, connectionTimeout: connectTimeout });
      store.on('error', () => undefined);
      const keyv = new Keyv({ store, namespace: options.namespace, useKeyPrefix: false, emitErrors: false, throwOnErrors: true });
      const cache = new KeyvCache(keyv, { ...(options.ttlMs !== undefined && { ttlMs: options.ttlMs }), ...(options.clock && { clock: options.clock }) });
      return { client, cache };
    });
    return this.#connection;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  async get(key: string): Promise<CachedEntry | undefined> {
    if (!(await this.#ready().then(() => true, () => false))) return undefined;
    return (await this.#connectionParts()).cache.get(key);
  }

  async put(key: string, entry: CachedEntry): Promise<void> {
    await this.#ready();
    await (await this.#connectionParts()).cache.put(key, entry);
  }

  /** Removes the entries of this namespace. */
  async clear(): Promise<void> {
    await this.#ready();
    await (await this.#connectionParts()).cache.clear();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (!this.#connection) return;
    const { client } = await this.#connection.catch(() => ({ client: undefined }));
    if (client?.isReady) await client.close().catch(() => client.destroy());
    else if (client?.isOpen) client.destroy();
  }

  /**
   * Connects once for every caller waiting at the same time. The timeout also
   * covers the handshake after the socket opened: a server that accepts
   * connections and never answers must not hold anyone up.
   */
  #ready(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the Redis cache is closed'));
    if (this.#connecting) return this.#connecting;
    let timer: Timer | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = startTimer(() => reject(new Error(`no answer from Redis within ${this.#connectTimeoutMs} ms`)), this.#connectTimeoutMs, { unref: true });
    });
    this.#connecting = this.#connectionParts()
      .then(({ client }) => {
        if (client.isReady) return;
        return Promise.race([client.connect(), timeout]).then(
          () => undefined,
          (error: unknown) => {
            if (client.isOpen) client.destroy();
            throw error;
          },
        );
      })
      .catch((error: unknown) => {
        const failure = asError(error);
        this.#onError(failure);
        throw failure;
      })
      .finally(() => {
        timer?.clear();
        this.#connecting = undefined;
      });
    return this.#connecting;
  }
}

function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  return new Error(String(error));
}
