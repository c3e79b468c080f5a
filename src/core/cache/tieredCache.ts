/**
 * A local cache in front of a remote one: reads try the local tier first, then
 * the remote (copying what it finds locally); writes go to both.
 *
 * The remote tier is a convenience, never a reason for a run to fail or wait:
 * its errors become one warning, a slow operation is abandoned after a short
 * timeout, and after a failure it is left alone for a while before being tried
 * again. The local tier keeps its own behaviour (a failed local write rejects).
 */
import type { CachedEntry, CacheProvider, Clock } from './cacheProvider';
import type { Timer } from '../engine/timers';
import { startTimer } from '../engine/timers';

export interface TieredCacheOptions {
  readonly local: CacheProvider;
  readonly remote: CacheProvider;
  /** Told when the remote tier fails; once per outage (again only after it has worked in between). */
  readonly onRemoteError?: (error: unknown) => void;
  /** After a failure the remote tier is not used for this long. Default 60 000 ms. */
  readonly retryAfterMs?: number;
  /** Longest wait for one remote operation. Default 2 000 ms. */
  readonly remoteTimeoutMs?: number;
  /** Whether `clear()` also empties the remote tier (off for caches others share). Default true. */
  readonly clearRemote?: boolean;
  readonly clock?: Clock;
}

export class TieredCache implements CacheProvider {
  readonly #local: CacheProvider;
  readonly #remote: CacheProvider;
  readonly #options: TieredCacheOptions;
  readonly #clock: Clock;
  #downUntil = Number.NEGATIVE_INFINITY;
  #warned = false;

  constructor(options: TieredCacheOptions) {
    this.#local = options.local;
    this.#remote = options.remote;
    this.#options = options;
    this.#clock = options.clock ?? Date;
  }

  /** Whether the remote tier is being used (false during the pause after a failure). */
  get remoteAvailable(): boolean {
    return this.#clock.now() >= this.#downUntil;
  }

  /** Records a remote failure; a remote cache's own error hook may call this too. */
  remoteFailed(error: unknown): void {
    this.#downUntil = this.#clock.now() + (this.#options.retryAfterMs ?? 60_000);
    if (this.#warned) return;
    this.#warned = true;
    try {
      this.#options.onRemoteError?.(error);
    } catch {
      // A broken listener must not fail the run.
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  async get(key: string): Promise<CachedEntry | undefined> {
    const local = await this.#local.get(key);
    if (local !== undefined || !this.remoteAvailable) return local;
    let remote: CachedEntry | undefined;
    try {
      remote = await this.#withTimeout(this.#remote.get(key), 'read');
    } catch (error) {
      this.remoteFailed(error);
      return undefined;
    }
    if (remote !== undefined) await this.#local.put(key, remote).catch(() => undefined);
    return remote;
  }

  async put(key: string, entry: CachedEntry): Promise<void> {
    const remote = this.remoteAvailable
      ? this.#withTimeout(this.#remote.put(key, entry), 'write').then(
          () => {
            this.#warned = false;
          },
          (error: unknown) => this.remoteFailed(error),
        )
      : Promise.resolve();
    const [local] = await Promise.allSettled([this.#local.put(key, entry), remote]);
    if (local.status === 'rejected') throw local.reason;
  }

  async clear(): Promise<void> {
    await this.#local.clear();
    if (this.#options.clearRemote === false) return;
    await this.#remote.clear();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#local.close(), this.#remote.close()]);
  }

  #withTimeout<T>(operation: Promise<T>, what: string): Promise<T> {
    const ms = this.#options.remoteTimeoutMs ?? 2_000;
    let timer: Timer | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = startTimer(() => reject(new Error(`the shared cache did not answer a ${what} within ${ms} ms`)), ms, { unref: true });
    });
    // The abandoned operation may still settle later; nobody is waiting for it.
    operation.catch(() => undefined);
    return Promise.race([operation, timeout]).finally(() => timer?.clear());
  }
}
