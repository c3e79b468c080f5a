import type { BatchItem, ChatCompletion, LLMRequest } from '../models';
import type { CacheProvider } from '../cache/cacheProvider';
import { APIError, APITimeoutError, APIUserAbortError, describeError } from '../errors';
import type { Provider, ProviderResponse } from '../providers/provider';
import type { RateLimiter, RateLimitPermit } from '../rateLimit/rateLimiter';
import type { Clock } from './clock';
import type { BackoffOptions } from './retryPolicy';
import { retryDelayMs, shouldRetry } from './retryPolicy';
import type { ProgressTracker } from './progressTracker';
import { startTimer } from './timers';
import type { LogEntry } from './logEntry';

/** How one distinct request ended; shared by every batch item that asked for it. */
export type Outcome =
  | {
      readonly ok: true;
      readonly response: ChatCompletion;
      readonly statusCode: number;
      readonly requestId?: string;
      readonly cached: boolean;
      /** Set when the cached answer came from a Batch API job. */
      readonly via?: 'batch';
      readonly attempts: number;
      readonly latencyMs: number;
      /** A cached answer's latency when it was answered. */
      readonly answerLatencyMs?: number;
    }
  | {
      readonly ok: false;
      readonly error: { readonly code: string; readonly message: string };
      readonly statusCode?: number;
      readonly cached: false;
      readonly attempts: number;
      readonly latencyMs: number;
    };

/** The settings and collaborators of one batch run that every request shares. */
export interface RequestContext {
  readonly clock: Clock;
  readonly cache?: CacheProvider;
  /** Cache writes of this run that failed: a full disk is one warning, not one per answer. */
  readonly cacheWrites: { failed: number };
  /** Aborts when the batch is cancelled. */
  readonly signal: AbortSignal;
  /** The attempts in flight, aborted together when the batch is cancelled. */
  readonly attempts: Set<AttemptHandle>;
  readonly timeoutMs: number;
  readonly retryAttempts: number;
  readonly backoff: BackoffOptions;
  readonly tracker: ProgressTracker;
  readonly log: (entry: LogEntry) => void;
  /** The rate limiter requests to `provider` wait on before each attempt, if any. */
  readonly limiterFor?: (provider: Provider) => RateLimiter | undefined;
  /** Hears of every 429 (with when its attempt started) and every answer: adaptive concurrency and the run's counts. */
  readonly congestion?: Congestion;
}

export interface Congestion {
  /** Resolves when one more attempt may be in flight; rejects with `signal.reason` on abort. */
  enter(signal: AbortSignal): Promise<void>;
  /** The attempt `enter` admitted has ended. */
  leave(): void;
  rateLimited(startedAt: number): void;
  answered(): void;
}

export function failedOutcome(error: { code: string; message: string; statusCode?: number }, attempts: number, latencyMs: number): Outcome {
  const { statusCode, ...rest } = error;
  return { ok: false, error: rest, ...(statusCode !== undefined ? { statusCode } : {}), cached: false, attempts, latencyMs };
}

export function cancelledOutcome(attempts: number, latencyMs: number): Outcome {
  return failedOutcome({ code: 'cancelled', message: 'The batch was cancelled before this request finished.' }, attempts, latencyMs);
}

/**
 * Answers one distinct request: from the cache if it has it, otherwise by
 * calling the provider, retrying transient failures. Never rejects.
 */
export async function runRequest(key: string, item: BatchItem, provider: Provider, context: RequestContext): Promise<Outcome> {
  const { clock, cache, signal, log } = context;
  const started = clock.now();
  const elapsed = () => Math.max(0, clock.now() - started);
  if (signal.aborted) return cancelledOutcome(0, 0);
  if (cache) {
    try {
      const entry = await cache.get(key);
      if (entry) {
        const { response, statusCode, requestId, via, latencyMs } = entry;
        const answered = latencyMs !== undefined && { answerLatencyMs: latencyMs };
        return { ok: true, response, statusCode, ...(requestId ? { requestId } : {}), cached: true, ...(via === 'batch' && { via }), attempts: 0, latencyMs: elapsed(), ...answered };
      }
    } catch (error) {
      log({ level: 'warn', message: `Cache lookup failed, sending the request instead: ${describeError(error).message}`, itemId: item.id, error });
    }
  }
  const limiter = limiterOf(provider, item, context);
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) return cancelledOutcome(attempt - 1, elapsed());
    const congestion = context.congestion;
    if (congestion) {
      try {
        await congestion.enter(signal);
      } catch {
        return cancelledOutcome(attempt - 1, elapsed());
      }
    }
    let permit: RateLimitPermit | undefined;
    if (limiter) {
      const waited = await waitForBudget(limiter, item, context);
      if (waited === 'cancelled') {
        congestion?.leave();
        return cancelledOutcome(attempt - 1, elapsed());
      }
      permit = waited;
    }
    const startedAt = clock.now();
    let response: ProviderResponse;
    try {
      response = await attemptOnce(provider, item.request, context);
    } catch (error) {
      congestion?.leave();
      if (permit) reportToLimiter(() => permit.failed(error), item, context);
      if (error instanceof APIError && error.status === 429) congestion?.rateLimited(startedAt);
      if (error instanceof APIUserAbortError) return cancelledOutcome(attempt, elapsed());
      const described = describeError(error);
      if (attempt > context.retryAttempts || !shouldRetry(error)) return failedOutcome(described, attempt, elapsed());
      const delay = retryDelayMs(error, attempt, { ...context.backoff, now: clock.now() });
      log({ level: 'info', message: `${described.message} Retry ${attempt} of ${context.retryAttempts} in ${delay} ms.`, itemId: item.id, error });
      try {
        await clock.sleep(delay, signal);
      } catch {
        return cancelledOutcome(attempt, elapsed());
      }
      continue;
    }
    congestion?.leave();
    const { body, statusCode, requestId } = response;
    if (permit) reportToLimiter(() => permit.succeeded(response.headers, body.usage), item, context);
    congestion?.answered();
    const outcome: Outcome = { ok: true, response: body, statusCode, ...(requestId ? { requestId } : {}), cached: false, attempts: attempt, latencyMs: elapsed() };
    if (cache) {
      try {
        // The latency is kept so `expect: latency` judges a cached answer as it was answered.
        await cache.put(key, { response: body, statusCode, ...(requestId ? { requestId } : {}), createdAt: clock.now(), latencyMs: outcome.latencyMs });
      } catch (error) {
        const first = context.cacheWrites.failed++ === 0;
        log({ level: first ? 'warn' : 'debug', message: `Could not store the answer in the cache: ${describeError(error).message}`, itemId: item.id, error });
      }
    }
    return outcome;
  }
}

function limiterOf(provider: Provider, item: BatchItem, context: RequestContext): RateLimiter | undefined {
  try {
    return context.limiterFor?.(provider);
  } catch (error) {
    context.log({ level: 'warn', message: `Rate limiting is off for this request: ${describeError(error).message}`, itemId: item.id, error });
    return undefined;
  }
}

/** Tells the limiter how an attempt went; its trouble must not fail the request. */
function reportToLimiter(report: () => void, item: BatchItem, context: RequestContext): void {
  try {
    report();
  } catch (error) {
    context.log({ level: 'warn', message: `The rate limiter could not use this answer: ${describeError(error).message}`, itemId: item.id, error });
  }
}

/** Waits until the limiter lets the next attempt go; progress shows the wait while it lasts. */
async function waitForBudget(limiter: RateLimiter, item: BatchItem, context: RequestContext): Promise<RateLimitPermit | undefined | 'cancelled'> {
  try {
    const waiting = limiter.acquire(item.request, context.signal);
    context.tracker.update();
    return await waiting;
  } catch (error) {
    if (context.signal.aborted) return 'cancelled';
    context.log({ level: 'warn', message: `Sending without waiting for rate-limit budget: ${describeError(error).message}`, itemId: item.id, error });
    return undefined;
  } finally {
    context.tracker.update();
  }
}

/** An attempt in flight that a timeout or a cancelled batch can end early. */
export interface AttemptHandle {
  abort(reason: unknown): void;
}

/** One call to the provider under a fresh timeout; cancelling the batch aborts it through `context.attempts`. */
async function attemptOnce(provider: Provider, request: LLMRequest, context: RequestContext): Promise<ProviderResponse> {
  const controller = new AbortController();
  let endEarly: (reason: unknown) => void = () => undefined;
  // Rejecting here as well as aborting keeps timeouts honest for providers that ignore their signal.
  const handle: AttemptHandle = {
    abort: (reason) => {
      controller.abort(reason);
      endEarly(reason);
    },
  };
  const timer = context.timeoutMs > 0 ? startTimer(() => handle.abort(new APITimeoutError(context.timeoutMs)), context.timeoutMs) : undefined;
  context.attempts.add(handle);
  context.tracker.requestStarted();
  try {
    let call: Promise<ProviderResponse>;
    try {
      call = provider.makeRequest(request, controller.signal);
    } catch (error) {
      call = Promise.reject(error);
    }
    return await new Promise<ProviderResponse>((resolve, reject) => {
      endEarly = reject;
      call.then(resolve, reject);
    });
  } catch (error) {
    throw controller.signal.aborted ? controller.signal.reason : error;
  } finally {
    timer?.clear();
    context.attempts.delete(handle);
    context.tracker.requestEnded();
  }
}
