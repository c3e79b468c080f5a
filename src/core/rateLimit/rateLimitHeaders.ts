/**
 * What a server's rate-limit headers say: OpenAI's `x-ratelimit-*` family
 * (also sent by Azure OpenAI, Groq, Together, OpenRouter and vLLM-based
 * gateways) and `retry-after-ms` / `retry-after`.
 *
 * A server's word holds requests back, so a broken or hostile one could hold
 * a run forever: values no provider would send (a reset 99999 hours away, a
 * limit of 0.001 requests a minute) are dropped as noise, and waits past
 * `maxServerWaitMs` are cut to it. Each such value comes with a note saying so.
 */
import { boundedServerWait, maxServerWaitMs, requestedRetryAfterMs } from '../engine/retryPolicy';
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
  /** Values not taken as sent; absent when every value was. */
  readonly notes?: readonly HeaderNote[];
}

/** A header whose value was not taken as it stands. */
export interface HeaderNote {
  readonly header: string;
  /** The value as sent, cut to a readable length. */
  readonly value: string;
  /** `noise`: ignored, no provider keeps such a limit; `capped`: a wait cut to {@link maxServerWaitMs}. */
  readonly kind: 'noise' | 'capped';
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

function note(notes: HeaderNote[], header: string, value: string | null, kind: HeaderNote['kind']): void {
  const text = (value ?? '').trim();
  notes.push({ header, value: text.length > 40 ? `${text.slice(0, 39)}…` : text, kind });
}

/** A wait as honoured (see `boundedServerWait`), noting a value cut or dropped. */
function screenedWait(ms: number | undefined, header: string, raw: string | null, notes: HeaderNote[]): number | undefined {
  if (ms === undefined) return undefined;
  const bounded = boundedServerWait(ms);
  if (bounded === undefined) note(notes, header, raw, 'noise');
  else if (ms > maxServerWaitMs) note(notes, header, raw, 'capped');
  return bounded;
}

function readLimit(headers: HeaderReader, kind: 'requests' | 'tokens', notes: HeaderNote[]): LimitReading {
  const limitHeader = `x-ratelimit-limit-${kind}`;
  const resetHeader = `x-ratelimit-reset-${kind}`;
  const rawLimit = headers.get(limitHeader);
  const rawReset = headers.get(resetHeader);
  let limit = count(rawLimit);
  // Under one a minute, a budget would space requests hours apart: no provider sends that.
  // Some gateways send 0 for "no limit set", which has always meant no budget.
  if (limit !== undefined && !(limit >= 1 && Number.isFinite(limit))) {
    if (limit !== 0) note(notes, limitHeader, rawLimit, 'noise');
    limit = undefined;
  }
  const remaining = count(headers.get(`x-ratelimit-remaining-${kind}`));
  const resetMs = screenedWait(parseResetDuration(rawReset), resetHeader, rawReset, notes);
  return {
    ...(limit !== undefined && { limit }),
    ...(remaining !== undefined && Number.isFinite(remaining) && { remaining }),
    ...(resetMs !== undefined && { resetMs }),
  };
}

/** The rate-limit facts in `headers`, or undefined when they carry none. `now` anchors HTTP-date `retry-after` values. */
export function readRateLimitHeaders(headers: HeaderReader | undefined, now: number): RateLimitReading | undefined {
  if (!headers) return undefined;
  const notes: HeaderNote[] = [];
  const requests = readLimit(headers, 'requests', notes);
  const tokens = readLimit(headers, 'tokens', notes);
  const retryHeader = count(headers.get('retry-after-ms')) !== undefined ? 'retry-after-ms' : 'retry-after';
  const wait = screenedWait(requestedRetryAfterMs(headers, now), retryHeader, headers.get(retryHeader), notes);
  if (Object.keys(requests).length === 0 && Object.keys(tokens).length === 0 && wait === undefined && notes.length === 0) return undefined;
  return { requests, tokens, ...(wait !== undefined && { retryAfterMs: wait }), ...(notes.length > 0 && { notes }) };
}
