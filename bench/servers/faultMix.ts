/**
 * Which requests the fault scenario's server fails, and how. The choice hangs
 * on the request body only, so every run fails the same requests, and only a
 * request's first attempt fails: a client that retries well loses nothing.
 */
import type { MockFault } from '../../test/mock/mockServer';

export type FaultKind = 'rateLimit' | 'serverError' | 'reset' | 'hang';

export interface FaultShare {
  readonly kind: FaultKind;
  /** Fraction of requests, 0–1. */
  readonly share: number;
}

/** 8 % 429 with `Retry-After: 1`, 5 % 500, 2 % connection resets, 1 % hangs. */
export const standardFaultMix: readonly FaultShare[] = [
  { kind: 'rateLimit', share: 0.08 },
  { kind: 'serverError', share: 0.05 },
  { kind: 'reset', share: 0.02 },
  { kind: 'hang', share: 0.01 },
];

/** FNV-1a over UTF-16 code units, mapped to [0, 1). */
export function unitHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // A final avalanche, so neighbouring texts ("Request 1…", "Request 2…") land far apart.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return (hash >>> 0) / 2 ** 32;
}

/** The fault for a request whose identifying text is `key`, or undefined to answer it. */
export function faultFor(key: string, mix: readonly FaultShare[]): FaultKind | undefined {
  const u = unitHash(key);
  let edge = 0;
  for (const { kind, share } of mix) {
    edge += share;
    if (u < edge) return kind;
  }
  return undefined;
}

export function mockFaultOf(kind: FaultKind): MockFault {
  switch (kind) {
    case 'rateLimit':
      return { kind: 'status', status: 429, headers: { 'retry-after': '1' } };
    case 'serverError':
      return { kind: 'status', status: 500 };
    case 'reset':
      return { kind: 'reset' };
    case 'hang':
      return { kind: 'hang' };
  }
}
