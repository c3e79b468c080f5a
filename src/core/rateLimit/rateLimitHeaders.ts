/**
 * What a server's rate-limit headers say: OpenAI's `x-ratelimit-*` family
 * (also sent by Azure OpenAI, Groq, Together, OpenRouter and vLLM-based
 * gateways) and `retry-after-ms` / `retry-after`.
 */
import { retryAfterMs } from '../engine/retryPolicy';
import type { HeaderReader } from '../providers/provider';

/** One budget as a server reports it. */
export interface LimitReading {
  /** The budget per minute (`x-ratelimit-limit-…`). */
  readonly limit?: number;
  /** What is left of it now (`x-ratelimit-remaining-…`). */
  readonly remaining?: number;
  /** Milliseconds until it is refilled (`x-ratelimit-reset-…`). */
  readonly resetMs?: number;
}

export interface RateLimitReading {
  readonly requests: LimitReading;
  readonly tokens: LimitReading;
  /** The wait a server asked for (`retry-after-ms`, else `retry-after`), capped like retry delays. */
  readonly retryAfterMs?: number;
}

const unitMs: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000_001 };
const durationPart = /(\d+(?:\.\d+)?|\.\d+)(ms|us|µs|ns|h|m|s)/gy;

/**
 * A reset duration as OpenAI writes it — `1m30s`, `6ms`, `0.5s`, `2h0m0s` — or
 * a bare number of seconds, in milliseconds; undefined when absent or unreadable.
 */
export function parseResetDuration(value: string | null | undefined): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number.parseFloat(text) * 1000;
  let total = 0;
  let end = 0;
  durationPart.lastIndex = 0;
  for (let match = durationPart.exec(text); match; match = durationPart.exec(text)) {
    total += Number.parseFloat(match[1]!) * unitMs[match[2]!]!;
    end = durationPart.lastIndex;
  }
  return end === text.length && end > 0 ? total : undefined;
}

function count(value: string | null): number | undefined {
  if (value === null || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Number.parseFloat(value);
}

function readLimit(headers: HeaderReader, kind: 'requests' | 'tokens'): LimitReading {
  const limit = count(headers.get(`x-ratelimit-limit-${kind}`));
  const remaining = count(headers.get(`x-ratelimit-remaining-${kind}`));
  const resetMs = parseResetDuration(headers.get(`x-ratelimit-reset-${kind}`));
  return {
    ...(limit !== undefined && limit > 0 && { limit }),
    ...(remaining !== undefined && { remaining }),
    ...(resetMs !== undefined && { resetMs }),
  };
}

/** The rate-limit facts in `headers`, or undefined when they carry none. `now` anchors HTTP-date `retry-after` values. */
export function readRateLimitHeaders(headers: HeaderReader | undefined, now: number): RateLimitReading | undefined {
  if (!headers) return undefined;
  const requests = readLimit(headers, 'requests');
  const tokens = readLimit(headers, 'tokens');
  const wait = retryAfterMs(headers, now);
  if (Object.keys(requests).length === 0 && Object.keys(tokens).length === 0 && wait === undefined) return undefined;
  return { requests, tokens, ...(wait !== undefined && { retryAfterMs: wait }) };
}
