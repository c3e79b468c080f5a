import { Keyv } from 'keyv';
import { KeyvCache } from './keyvCache';
import type { KeyvCacheOptions } from './keyvCache';

/**
 * A cache that lives as long as the process, on keyv's in-memory Map. Values
 * are serialised on the way in, so callers cannot change a cached answer by
 * mutating what `get` returned.
 */
export class InMemoryCache extends KeyvCache {
  constructor(options: KeyvCacheOptions = {}) {
    super(new Keyv({ store: new Map(), useKeyPrefix: false, emitErrors: false, throwOnErrors: true }), options);
  }
}
