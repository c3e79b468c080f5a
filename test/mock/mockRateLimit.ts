/**
 * Rate limits for the mock server, enforced the way providers enforce them:
 * a per-minute limit in slices of `windowMs` (one second by default), so
 * 6 000 requests a minute means at most 100 in any one second. A request is
 * charged on arrival — its prompt plus the completion it may produce — and the
 * charge is settled to the tokens it actually used when it is answered.
 * Answers carry OpenAI's `x-ratelimit-*` headers; a request over the limit gets
 * 429 with them and `retry-after-ms`.
 */
import { errorBody, promptTokenCount } from './mockResponses';

export interface MockRateLimit {
  /** Requests per minute. */
  readonly rpm?: number;
  /** Tokens per minute (prompt + completion). */
  readonly tpm?: number;
  /** The slice of the minute the limits are enforced over. Default 1 000 ms. */
  readonly windowMs?: number;
}

/** What an admitted request was charged, to settle once it is answered. */
export interface MockCharge {
  readonly window: number;
  readonly prompt: number;
  readonly tokens: number;
  /** The `x-ratelimit-*` headers as they stood when it was admitted, for its answer. */
  readonly headers: Record<string, string>;
}

export type MockAdmission =
  | { readonly ok: true; readonly charge: MockCharge }
  | { readonly ok: false; readonly headers: Record<string, string>; readonly body: unknown };

/** `850ms`, `1s`, `1.5s`, `1m30s`: the forms OpenAI writes resets in. */
export function formatResetDuration(ms: number): string {
  const rounded = Math.max(0, Math.ceil(ms));
  if (rounded < 1000) return `${rounded}ms`;
  const minutes = Math.floor(rounded / 60_000);
  const seconds = Number(((rounded - minutes * 60_000) / 1000).toFixed(3));
  return minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}

/** Tokens a chat completions body is charged before it is answered. */
export function mockTokenCharge(body: unknown): { prompt: number; tokens: number } {
  const request = (body ?? {}) as { messages?: unknown; max_completion_tokens?: unknown; max_tokens?: unknown; n?: unknown };
  const prompt = promptTokenCount(Array.isArray(request.messages) ? request.messages : []);
  const limit = typeof request.max_completion_tokens === 'number' ? request.max_completion_tokens : typeof request.max_tokens === 'number' ? request.max_tokens : 0;
  const choices = typeof request.n === 'number' && request.n > 0 ? request.n : 1;
  return { prompt, tokens: prompt + limit * choices };
}

export class MockRateLimiter {
  readonly #rpm: number | undefined;
  readonly #tpm: number | undefined;
  readonly #windowMs: number;
  readonly #now: () => number;
  // Windows count from when the limits were set, so a test's first window is a whole one.
  readonly #start: number;
  #window = Number.NaN;
  #requests = 0;
  #tokens = 0;
  /** Requests turned away with 429 so far. */
  rejected = 0;

  constructor(limit: MockRateLimit, now: () => number = Date.now) {
    this.#rpm = limit.rpm;
    this.#tpm = limit.tpm;
    this.#windowMs = limit.windowMs ?? 1000;
    this.#now = now;
    this.#start = now();
  }

  /** Charges `body` to the current window, or says why it does not fit. */
  admit(body: unknown): MockAdmission {
    const window = this.#roll();
    const { prompt, tokens } = mockTokenCharge(body);
    const requestAllowance = this.#allowance(this.#rpm);
    const tokenAllowance = this.#allowance(this.#tpm);
    const overRequests = this.#requests + 1 > requestAllowance;
    const overTokens = this.#tokens + tokens > tokenAllowance;
    if (overRequests || overTokens) {
      this.rejected++;
      const waitMs = this.#resetMs();
      const kind = overRequests ? 'requests' : 'tokens';
      const limit = overRequests ? this.#rpm : this.#tpm;
      const used = overRequests ? this.#requests : this.#tokens;
      const message = `Rate limit reached for ${kind} per min: Limit ${limit}, Used ${used}, Requested ${overRequests ? 1 : tokens}. Please try again in ${formatResetDuration(waitMs)}.`;
      return {
        ok: false,
        headers: { ...this.headers(), 'retry-after-ms': String(waitMs), 'retry-after': String(Math.ceil(waitMs / 1000)) },
        body: errorBody(message, kind, 'rate_limit_exceeded'),
      };
    }
    this.#requests++;
    this.#tokens += tokens;
    // Like a gateway, the limits are read out when the request is let in: requests arriving later are not in them.
    return { ok: true, charge: { window, prompt, tokens, headers: this.headers() } };
  }

  /** Settles a charge to what was used: the prompt alone when `usage` is absent (nothing was generated). */
  settle(charge: MockCharge, usage: { prompt_tokens?: unknown; completion_tokens?: unknown } | undefined): void {
    if (this.#roll() !== charge.window) return;
    const used = usage && typeof usage.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number' ? usage.prompt_tokens + usage.completion_tokens : charge.prompt;
    this.#tokens = Math.max(0, this.#tokens - charge.tokens + used);
  }

  /** The `x-ratelimit-*` headers for the current window. */
  headers(): Record<string, string> {
    this.#roll();
    const reset = formatResetDuration(this.#resetMs());
    const headers: Record<string, string> = {};
    if (this.#rpm !== undefined) {
      headers['x-ratelimit-limit-requests'] = String(this.#rpm);
      headers['x-ratelimit-remaining-requests'] = String(Math.max(0, Math.floor(this.#allowance(this.#rpm) - this.#requests)));
      headers['x-ratelimit-reset-requests'] = reset;
    }
    if (this.#tpm !== undefined) {
      headers['x-ratelimit-limit-tokens'] = String(this.#tpm);
      headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, Math.floor(this.#allowance(this.#tpm) - this.#tokens)));
      headers['x-ratelimit-reset-tokens'] = reset;
    }
    return headers;
  }

  #allowance(perMinute: number | undefined): number {
    return perMinute === undefined ? Number.POSITIVE_INFINITY : Math.max(1, Math.floor((perMinute * this.#windowMs) / 60_000));
  }

  #resetMs(): number {
    return this.#windowMs - ((this.#now() - this.#start) % this.#windowMs);
  }

  #roll(): number {
    const window = Math.floor((this.#now() - this.#start) / this.#windowMs);
    if (window !== this.#window) {
      this.#window = window;
      this.#requests = 0;
      this.#tokens = 0;
    }
    return window;
  }
}
