/**
 * The answer cache of this workspace: a `DiskCache` under the extension's
 * workspace storage (`<storageUri>/cache`), or under global storage when no
 * folder is open — in front of a Redis server when `llmbatch.cache.backend`
 * is `redis`. Opened on the first run, not at activation.
 */
import * as vscode from 'vscode';
import type { CachedEntry, CacheProvider } from '../../core/cache/cacheProvider';
import { DiskCache } from '../../core/cache/diskCache';
import { checkRedisUrl, openSharedCache, redisUrlEnv } from '../../core/cache/sharedCache';

export interface WorkspaceCacheOptions {
  /** Where Redis trouble is reported (once per outage); a warning notification by default. */
  readonly warn?: (message: string) => void;
  /** Where `LLMBATCH_REDIS_URL` is looked up; the extension host's environment by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export class WorkspaceCache implements vscode.Disposable {
  #cache: CacheProvider | undefined;
  #signature: string | undefined;
  #problem: string | undefined;

  constructor(
    private readonly context: Pick<vscode.ExtensionContext, 'storageUri' | 'globalStorageUri'>,
    private readonly options: WorkspaceCacheOptions = {},
  ) {}

  /** Where the entries live: one JSON file per answer. */
  get directory(): string {
    return (this.context.storageUri ?? this.context.globalStorageUri).fsPath + '/cache';
  }

  /** The cache for a run; `ttlMs` 0 keeps answers until cleared. A changed ttl applies to answers stored from now on. */
  open(ttlMs: number): CacheProvider {
    const ttl = ttlMs > 0 ? ttlMs : undefined;
    const shared = this.#sharedSettings();
    const signature = JSON.stringify([ttl, shared]);
    if (!this.#cache || this.#signature !== signature) {
      const previous = this.#cache;
      void previous?.close().catch(() => undefined);
      const disk = new DiskCache({ directory: this.directory, ...(ttl !== undefined && { ttlMs: ttl }) });
      this.#cache = shared
        ? openSharedCache({
            local: disk,
            redisUrl: shared.url,
            workspacePath: this.directory,
            ...(shared.namespace && { teamNamespace: shared.namespace }),
            ...(ttl !== undefined && { ttlMs: ttl }),
            onWarning: (message) => this.#warn(message),
          })
        : disk;
      this.#signature = signature;
    }
    return this.#cache;
  }

  /** The Redis server and namespace of the `redis` backend; undefined for the disk cache alone. */
  #sharedSettings(): { url: string; namespace: string } | undefined {
    const config = vscode.workspace.getConfiguration('llmbatch');
    if (config.get<unknown>('cache.backend') !== 'redis') return undefined;
    // User settings only: a workspace must not be able to send prompts to a server of its choosing.
    const configured = config.inspect<unknown>('cache.redisUrl')?.globalValue;
    const url = (typeof configured === 'string' && configured.trim()) || (this.options.env ?? process.env)[redisUrlEnv] || '';
    const problem = url ? checkRedisUrl(url) : `llmbatch.cache.backend is "redis" but neither llmbatch.cache.redisUrl nor ${redisUrlEnv} names a server`;
    if (problem) {
      // Said once per distinct problem, not at every run.
      if (this.#problem !== problem) this.#warn(`${problem}; using the disk cache only`);
      this.#problem = problem;
      return undefined;
    }
    this.#problem = undefined;
    const namespace = config.get<unknown>('cache.namespace');
    return { url, namespace: typeof namespace === 'string' ? namespace.trim() : '' };
  }

  #warn(message: string): void {
    if (this.options.warn) this.options.warn(message);
    else void vscode.window.showWarningMessage(`LLM Batch: ${message}`);
  }

  /** Removes every answer of this workspace's cache (and nothing else). */
  async clear(): Promise<void> {
    await (this.#cache ?? this.open(0)).clear();
  }

  dispose(): void {
    void this.#cache?.close().catch(() => undefined);
    this.#cache = undefined;
  }
}

/** A cache that never answers but still stores: re-running a request fresh refreshes its cached answer. */
export function writeOnly(cache: CacheProvider): CacheProvider {
  return {
    exists: async () => false,
    get: async () => undefined,
    put: (key: string, entry: CachedEntry) => cache.put(key, entry),
    clear: () => cache.clear(),
    close: async () => undefined,
  };
}
