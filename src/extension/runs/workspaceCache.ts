/**
 * The answer cache of this workspace: a `DiskCache` under the extension's
 * workspace storage (`<storageUri>/cache`), or under global storage when no
 * folder is open. Opened on the first run, not at activation.
 */
import type * as vscode from 'vscode';
import type { CachedEntry, CacheProvider } from '../../core/cache/cacheProvider';
import { DiskCache } from '../../core/cache/diskCache';

export class WorkspaceCache implements vscode.Disposable {
  #cache: DiskCache | undefined;
  #ttlMs: number | undefined;

  constructor(private readonly context: Pick<vscode.ExtensionContext, 'storageUri' | 'globalStorageUri'>) {}

  /** Where the entries live: one JSON file per answer. */
  get directory(): string {
    return (this.context.storageUri ?? this.context.globalStorageUri).fsPath + '/cache';
  }

  /** The cache for a run; `ttlMs` 0 keeps answers until cleared. A changed ttl applies to answers stored from now on. */
  open(ttlMs: number): CacheProvider {
    const ttl = ttlMs > 0 ? ttlMs : undefined;
    if (!this.#cache || this.#ttlMs !== ttl) {
      const previous = this.#cache;
      void previous?.close().catch(() => undefined);
      this.#cache = new DiskCache({ directory: this.directory, ...(ttl !== undefined && { ttlMs: ttl }) });
      this.#ttlMs = ttl;
    }
    return this.#cache;
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
