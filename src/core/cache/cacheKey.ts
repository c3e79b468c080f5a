import { createHash } from 'node:crypto';
import { maxJsonDepth } from '../jsonDepth';
import type { LLMRequest } from '../models';

/** Where a request is sent, as far as it changes the answer. Credentials never belong here. */
export interface CacheIdentity {
  readonly providerId: string;
  readonly apiBase: string;
}

/** Bumped when the key recipe changes, so old entries stop matching instead of being misread. */
const keyVersion = 1;

/**
 * JSON with object keys sorted at every depth and undefined-valued keys left
 * out, so equal values give equal text however the objects were built.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value, 0));
}

// Inputs are checked to nest at most `maxJsonDepth` levels inside a request; the margin covers the request
// itself, its messages and the key's own wrapping. Past it, a clear error rather than a stack overflow.
const maxKeyDepth = maxJsonDepth + 16;

function sortKeys(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > maxKeyDepth) throw new RangeError(`the request nests lists and objects more than ${maxJsonDepth} levels deep, more than a request may hold`);
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : sortKeys(item, depth + 1)));
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return sortKeys((value as { toJSON: () => unknown }).toJSON(), depth + 1);
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined && typeof item !== 'function') sorted[key] = sortKeys(item, depth + 1);
  }
  return sorted;
}

/**
 * The cache key of one sample of `request` sent to `identity`: sha256 hex of
 * the canonical JSON of the request (without its provider profile name, which
 * `identity.providerId` stands for), the provider, the API base URL without a
 * trailing slash, and the sample index.
 */
export function cacheKey(request: LLMRequest, identity: CacheIdentity, sample = 0): string {
  const { provider: _provider, ...parameters } = request;
  const material = {
    v: keyVersion,
    providerId: identity.providerId,
    apiBase: identity.apiBase.replace(/\/+$/, ''),
    request: parameters,
    sample,
  };
  return createHash('sha256').update(canonicalJson(material)).digest('hex');
}
