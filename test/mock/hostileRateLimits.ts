/**
 * Rate-limit headers no real provider sends, as a broken or hostile server
 * might: budgets exhausted for 99 999 hours, a limit of 0.001 requests a
 * minute, an hour's reset on every answer. A client that believes them
 * waits for ever (or overflows its timers); a mode is a script for
 * `MockServer.setScript`, or `--rate-limit-headers MODE` of `serve.ts`.
 */
import type { MockScript } from './mockServer';
import { errorBody } from './mockResponses';

export const hostileRateLimitModes = {
  /** 200 answers saying nothing is left until a reset 99 999 hours away. */
  'exhausted-for-ever': { status: 200, headers: { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '99999h' } },
  /** The same on 429 answers, without `retry-after`. */
  'exhausted-for-ever-429': { status: 429, headers: { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '99999h' } },
  /** 200 answers announcing 0.001 requests a minute: one every 16 hours. */
  'tiny-limit': { status: 200, headers: { 'x-ratelimit-limit-requests': '0.001' } },
  /** 200 answers saying nothing is left for an hour (longer than any announced wait is honoured). */
  'exhausted-for-an-hour': { status: 200, headers: { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1h' } },
  /** 200 answers saying nothing is left for 30 s: a wait honoured in full, to cancel in the middle of. */
  'exhausted-for-30s': { status: 200, headers: { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '30s' } },
  /** 429 answers asking, with `retry-after`, for a wait of 11 days. */
  'retry-after-days': { status: 429, headers: { 'retry-after': '999999' } },
} as const satisfies Record<string, { status: number; headers: Record<string, string> }>;

export type HostileRateLimitMode = keyof typeof hostileRateLimitModes;

export function isHostileRateLimitMode(name: string): name is HostileRateLimitMode {
  return Object.hasOwn(hostileRateLimitModes, name);
}

/** Every chat completion is answered (or turned away with 429) with the headers of `mode`. */
export function hostileRateLimitScript(mode: HostileRateLimitMode): MockScript {
  const { status, headers } = hostileRateLimitModes[mode];
  return ({ path }) => {
    if (path !== '/v1/chat/completions') return undefined;
    if (status === 200) return { kind: 'ok', headers };
    return { kind: 'status', status, headers, body: errorBody('Rate limit reached for requests.', 'requests', 'rate_limit_exceeded') };
  };
}
