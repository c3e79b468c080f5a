/**
 * When to try a failed request again and how long to wait first. Pure functions:
 * time and randomness come in as arguments so the choices can be checked exactly.
 */
import { APIConnectionError, APIError, InvalidResponseError } from '../errors';
import type { HeaderReader } from '../providers/provider';

/**
 * The longest wait anything a server announces can impose — `retry-after`, a
 * rate limit's reset — before llmbatch sends again; longer ones are cut to this.
 */
export const maxServerWaitMs = 60_000;

/** Longer than any limit window a provider keeps (a day): an announced wait past it is noise, not a limit. */
export const maxPlausibleWaitMs = 24 * 3_600_000;

/**
 * A wait a server announced, as llmbatch honours it: cut to
 * {@link maxServerWaitMs}; undefined when it is past {@link maxPlausibleWaitMs}
 * or not a number, so it is ignored.
 */
export function boundedServerWait(ms: number): number | undefined {
  if (!(ms <= maxPlausibleWaitMs)) return undefined;
  return Math.min(Math.max(0, Math.ceil(ms)), maxServerWaitMs);
}

/**
 * How backoff delays are spread so many clients do not retry in lockstep:
 * `proportional` picks within ±25 % of the nominal delay, `full` anywhere
 * between 0 and it, `none` uses it exactly.
 */
export type Jitter = 'proportional' | 'full' | 'none';

export interface BackoffOptions {
  /** Delay before the first retry; doubled for each further one. */
  readonly retryDelayMs: number;
  /** Upper bound of any backoff delay. */
  readonly maxRetryDelayMs: number;
  readonly jitter: Jitter;
  /** Returns a number in [0, 1), like `Math.random`. */
  readonly random: () => number;
}

/** Statuses that say "try again later": timeout, lock conflict, rate limit, server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Whether a failed attempt is worth repeating. Transient failures are: 408, 409,
 * 429 and 5xx answers, refused or reset connections, per-attempt timeouts, and
 * 2xx answers that arrived cut off or garbled. A request the server rejected
 * (400, 401, 403, 404, 422), a redirect, or a cancelled batch never is. A
 * server's `x-should-retry: true|false` overrides the status.
 */
export function shouldRetry(error: unknown): boolean {
  if (error instanceof APIError) {
    const hint = error.headers.get('x-should-retry');
    if (hint === 'true' && !(error.status >= 300 && error.status < 400)) return true;
    if (hint === 'false') return false;
    return isRetryableStatus(error.status);
  }
  if (error instanceof APIConnectionError) return true;
  if (error instanceof InvalidResponseError) return error.kind === 'truncated' || error.kind === 'not_json';
  return false;
}

/**
 * The wait a server asked for, in milliseconds: `retry-after-ms` first, then
 * `retry-after` as seconds or as an HTTP date (relative to `now`). Bounded by
 * {@link boundedServerWait}: cut to 60 s, and `undefined` for a wait past a day
 * (noise) as for a missing or unreadable hint.
 */
export function retryAfterMs(headers: HeaderReader | undefined, now: number): number | undefined {
  const requested = requestedRetryAfterMs(headers, now);
  return requested === undefined ? undefined : boundedServerWait(requested);
}

/** The wait `retry-after-ms` or `retry-after` asks for, as sent: neither cut nor checked. */
export function requestedRetryAfterMs(headers: HeaderReader | undefined, now: number): number | undefined {
  const milliseconds = parseNumber(headers?.get('retry-after-ms'));
  if (milliseconds !== undefined) return milliseconds;
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  const seconds = parseNumber(value);
  if (seconds !== undefined) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : date - now;
}

function parseNumber(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Number.parseFloat(value);
}

/** Exponential backoff for retry number `retry` (1 for the first retry), jittered and capped. */
export function backoffDelayMs(retry: number, options: BackoffOptions): number {
  const nominal = Math.min(options.retryDelayMs * 2 ** Math.max(0, retry - 1), options.maxRetryDelayMs);
  const r = options.random();
  const jittered = options.jitter === 'full' ? nominal * r : options.jitter === 'proportional' ? nominal * (0.75 + 0.5 * r) : nominal;
  return Math.round(Math.min(jittered, options.maxRetryDelayMs));
}

/** How long to wait before retry number `retry` after `error`: the server's hint if any, else backoff. */
export function retryDelayMs(error: unknown, retry: number, options: BackoffOptions & { readonly now: number }): number {
  const hinted = error instanceof APIError ? retryAfterMs(error.headers, options.now) : undefined;
  return hinted ?? backoffDelayMs(retry, options);
}
