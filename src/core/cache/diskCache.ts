import { Keyv } from 'keyv';
import type { Clock } from './cacheProvider';
import { JournalStore } from './journalStore';
import type { JournalFileSystem } from './journalFileSystem';
import { KeyvCache } from './keyvCache';

export interface DiskCacheOptions {
  /** The folder that holds this cache and nothing else of value: `clear()` empties it. */
  readonly directory: string;
  /** Entries older than this are misses, also after a restart. */
  readonly ttlMs?: number;
  readonly clock?: Clock;
  readonly fs?: JournalFileSystem;
}

/**
 * A cache that survives restarts: keyv over a store of append-only journals of
 * readable JSON lines. Unreadable entries are misses; a cache that cannot be
 * written makes `put` reject while `get` keeps working.
 */
export class DiskCache extends KeyvCache {
  readonly directory: string;

  constructor(options: DiskCacheOptions) {
    const store = new JournalStore({ directory: options.directory, ...(options.fs ? { fs: options.fs } : {}) });
    // Serialisation off: the store writes plain JSON itself, so files stay readable
    // and keyv's string escaping (":"-prefixed values) never reaches the disk.
    const keyv = new Keyv({ store, serialize: undefined, deserialize: undefined, useKeyPrefix: false, emitErrors: false, throwOnErrors: true });
    super(keyv, options);
    this.directory = options.directory;
  }
}
