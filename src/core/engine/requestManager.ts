import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import type { LimitFunction } from 'p-limit';
import type { BatchItem, BatchResult, LLMRequest } from '../models';
import type { CacheProvider } from '../cache/cacheProvider';
import { cacheKey } from '../cache/cacheKey';
import { APIUserAbortError, describeError } from '../errors';
import type { Provider } from '../providers/provider';
import type { Clock } from './clock';
import { systemClock } from './clock';
import type { Jitter } from './retryPolicy';
import type { ProgressEvent } from './progressTracker';
import { ProgressTracker } from './progressTracker';
import type { TokenStatsSnapshot } from './tokenStats';
import { TokenStats } from './tokenStats';
import type { LogEntry } from './logEntry';
import type { AttemptHandle, Outcome, RequestContext } from './requestRunner';
import { cancelledOutcome, failedOutcome, runRequest } from './requestRunner';
import type { RequestBatch } from './requestBatch';
import type { RateLimiter } from '../rateLimit/rateLimiter';
import { runLimiters } from '../rateLimit/runLimiters';
import type { AdaptiveConcurrencyOptions } from '../rateLimit/adaptiveConcurrency';
import { AdaptiveConcurrency } from '../rateLimit/adaptiveConcurrency';

/** A provider, or a function choosing one per request (for batches that mix profiles). */
export type ProviderResolver = Provider | ((request: LLMRequest) => Provider);

export interface RequestManagerOptions {
  /** Most requests in flight at once. Default 100. */
  readonly concurrency?: number;
  /** Limit for one attempt, connection to last byte; `Infinity` for none. Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Retries after the first attempt for transient failures; 0 disables retrying. Default 3. */
  readonly retryAttempts?: number;
  /** Backoff before the first retry, doubled for each further one. Default 1 000 ms. */
  readonly retryDelayMs?: number;
  /** Cap of a backoff delay (a server's `retry-after` is capped at 60 s instead). Default 30 000 ms. */
  readonly maxRetryDelayMs?: number;
  /** Default `proportional` (±25 %). */
  readonly jitter?: Jitter;
  /** Answers are looked up here before sending and stored after success; failures never are. */
  readonly cache?: CacheProvider;
  readonly clock?: Clock;
  /** Source of jitter, `Math.random` by default. */
  readonly random?: () => number;
  readonly onLog?: (entry: LogEntry) => void;
  /** Minimum time between two progress events. Default 100 ms. */
  readonly progressIntervalMs?: number;
  /**
   * The rate limiter each provider's requests wait on before every attempt,
   * usually `RateLimiterRegistry.forRun(…)` so that runs at the same time share
   * one budget per endpoint and key. None by default.
   */
  readonly rateLimiter?: (provider: Provider) => RateLimiter | undefined;
  /**
   * Halve the in-flight limit on a 429 and raise it back by one per run of
   * answers, never above `concurrency` (AIMD); `false` keeps it fixed. On by default.
   */
  readonly adaptiveConcurrency?: boolean | Pick<AdaptiveConcurrencyOptions, 'decrease' | 'increaseAfter' | 'cooldownMs' | 'min'>;
}

export interface ProcessBatchOptions {
  /** Aborting cancels in-flight requests; finished answers are kept (and cached). */
  readonly signal?: AbortSignal;
  /** Throttled progress, plus a first and a final event. */
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Called as each item gets its result, in completion order. */
  readonly onResult?: (result: BatchResult, item: BatchItem) => void;
  /**
   * Whether `results` holds every result (the default). A caller that takes
   * each result from `onResult` passes false, and only the failures are kept:
   * with every answer held until the end, a large batch's memory grows with it.
   */
  readonly keepResults?: boolean;
}

export interface BatchRunResult {
  /** Exactly one per item, in input order; empty when `keepResults` was false. */
  readonly results: BatchResult[];
  /** The results that are failures, in input order. */
  readonly failures: BatchResult[];
  readonly stats: TokenStatsSnapshot;
  /** Whether the run was cancelled before every item finished. */
  readonly cancelled: boolean;
  readonly wallTimeMs: number;
}

/**
 * Runs batches of chat requests against a provider with bounded concurrency,
 * per-attempt timeouts, retries with backoff, caching and de-duplication.
 *
 * Memory stays bounded for batches of any size: items are pulled from the input
 * iterator only while fewer than twice `concurrency` are unfinished, so the
 * p-limit queue never holds more than about `concurrency` waiting tasks (a
 * 100 000-item batch does not become 100 000 pending promises). p-limit is kept
 * rather than a fixed worker pool because duplicates and cache hits must not
 * take a request slot away from work that needs one.
 *
 * A request waiting out a retry delay keeps its slot. When a server says 429 or
 * 503, freeing the slot would let a fresh request take its place at once, so
 * the pressure that caused the error would never drop.
 *
 * Identical requests (same cache key) are sent once per batch, and once across
 * batches running at the same time on this manager; every duplicate receives
 * the shared answer (or failure) under its own id and index.
 */
export class RequestManager {
  readonly concurrency: number;
  readonly #provider: ProviderResolver;
  readonly #options: RequestManagerOptions;
  readonly #clock: Clock;
  readonly #log: (entry: LogEntry) => void;
  // Requests being sent right now, by cache key, so concurrent batches can share them.
  readonly #inFlight = new Map<string, Promise<Outcome>>();

  constructor(provider: ProviderResolver, options: RequestManagerOptions = {}) {
    const concurrency = options.concurrency ?? 100;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a whole number of at least 1 (got ${concurrency})`);
    const retryAttempts = options.retryAttempts ?? 3;
    if (!Number.isInteger(retryAttempts) || retryAttempts < 0) throw new RangeError(`retryAttempts must be a whole number of at least 0 (got ${retryAttempts})`);
    this.concurrency = concurrency;
    this.#provider = provider;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    const onLog = options.onLog;
    this.#log = (entry) => {
      try {
        onLog?.(entry);
      } catch {
        // A broken log sink must not fail requests.
      }
    };
  }

  /** Runs every item and resolves once each has its result; never rejects because a request failed. */
  async processBatch(items: BatchItem[] | Iterable<BatchItem> | RequestBatch, options: ProcessBatchOptions = {}): Promise<BatchRunResult> {
    const { onResult, onProgress } = options;
    // One listener on the caller's signal fans out to every attempt; adding one per attempt
    // would trip Node's listener-leak warning at any concurrency above 10.
    const cancel = new AbortController();
    const signal = cancel.signal;
    setMaxListeners(0, signal);
    const attempts = new Set<AttemptHandle>();
    signal.addEventListener('abort', () => {
      for (const attempt of attempts) attempt.abort(new APIUserAbortError());
    });
    const forwardAbort = () => cancel.abort();
    if (options.signal?.aborted) cancel.abort();
    else options.signal?.addEventListener('abort', forwardAbort, { once: true });
    try {
      return await this.#run(items, signal, attempts, onProgress, onResult, options.keepResults ?? true);
    } finally {
      options.signal?.removeEventListener('abort', forwardAbort);
    }
  }

  async #run(
    items: BatchItem[] | Iterable<BatchItem> | RequestBatch,
    signal: AbortSignal,
    attempts: Set<AttemptHandle>,
    onProgress: ProcessBatchOptions['onProgress'],
    onResult: ProcessBatchOptions['onResult'],
    keepResults: boolean,
  ): Promise<BatchRunResult> {
    const clock = this.#clock;
    const startTime = clock.now();
    const stats = new TokenStats(startTime);
    const limit = pLimit(this.concurrency);
    const limiters = runLimiters(this.#options.rateLimiter, (notice) => this.#log({ ...notice, topic: 'rateLimit' }));
    const tracker = new ProgressTracker({
      stats,
      now: () => clock.now(),
      total: knownLength(items),
      minIntervalMs: this.#options.progressIntervalMs,
      emit: (event) => this.#callback('onProgress', () => onProgress?.(event)),
      concurrency: () => adaptive?.current ?? limit.concurrency,
      budgetWait: limiters.wait,
    });
    const adaptive = this.#adaptiveConcurrency(tracker);
    const context: RequestContext = {
      clock,
      cache: this.#options.cache,
      cacheWrites: { failed: 0 },
      signal,
      attempts,
      timeoutMs: this.#options.timeoutMs ?? 30_000,
      retryAttempts: this.#options.retryAttempts ?? 3,
      backoff: {
        retryDelayMs: this.#options.retryDelayMs ?? 1_000,
        maxRetryDelayMs: this.#options.maxRetryDelayMs ?? 30_000,
        jitter: this.#options.jitter ?? 'proportional',
        random: this.#options.random ?? Math.random,
      },
      tracker,
      log: this.#log,
      ...(limiters.limiterFor && { limiterFor: limiters.limiterFor }),
      congestion: {
        enter: (attemptSignal) => adaptive?.enter(attemptSignal) ?? Promise.resolve(),
        leave: () => adaptive?.leave(),
        rateLimited: (startedAt) => {
          stats.recordRateLimited();
          adaptive?.rateLimited(startedAt);
        },
        answered: () => adaptive?.answered(),
      },
    };
    const sharedInBatch = new Map<string, Promise<Outcome>>();
    const results: BatchResult[] = [];
    const failures: BatchResult[] = [];
    let sawCancelled = false;
    const maxUnfinished = 2 * this.concurrency;
    let unfinished = 0;
    // The feeder sleeps until `unfinished` drops to `wakeAt`; refilling in bursts keeps wake-ups rare.
    let wakeAt = 0;
    let wake: (() => void) | undefined;
    const drainTo = (count: number) =>
      new Promise<void>((resolve) => {
        wakeAt = count;
        wake = resolve;
      });

    const finish = (item: BatchItem, index: number, outcome: Outcome, leader: boolean) => {
      const result = toResult(item, index, outcome);
      if (keepResults) results[index] = result;
      if (result.ok) {
        stats.recordSuccess(result.cached);
        if (leader && !result.cached) stats.addUsage(result.response.usage);
      } else {
        stats.recordFailure();
        failures.push(result);
        if (result.error.code === 'cancelled') sawCancelled = true;
      }
      tracker.update();
      if (onResult) this.#callback('onResult', () => onResult(result, item), item.id);
    };

    tracker.flush();
    let index = 0;
    let inputError: unknown;
    try {
      for (const item of items) {
        const itemIndex = index++;
        tracker.itemSeen();
        if (signal.aborted) {
          finish(item, itemIndex, cancelledOutcome(0, 0), false);
          continue;
        }
        if (unfinished >= maxUnfinished) await drainTo(this.concurrency);
        unfinished++;
        this.#start(item, context, limit, sharedInBatch, (outcome, leader) => {
          finish(item, itemIndex, outcome, leader);
          unfinished--;
          if (wake && unfinished <= wakeAt) {
            const resume = wake;
            wake = undefined;
            resume();
          }
        });
      }
    } catch (error) {
      inputError = error;
    }
    if (unfinished > 0) await drainTo(0);
    limiters.dispose();
    if (inputError !== undefined) throw inputError;
    tracker.flush();
    // Completion order; callers expect input order.
    failures.sort((a, b) => a.index - b.index);
    return { results, failures, stats: stats.snapshot(), cancelled: signal.aborted && sawCancelled, wallTimeMs: clock.now() - startTime };
  }

  /** Calls `done` once with the item's outcome and whether this item is the one that fetched it. */
  #start(item: BatchItem, context: RequestContext, limit: LimitFunction, sharedInBatch: Map<string, Promise<Outcome>>, done: (outcome: Outcome, leader: boolean) => void): void {
    let provider: Provider;
    let key: string;
    try {
      provider = typeof this.#provider === 'function' ? this.#provider(item.request) : this.#provider;
      key = cacheKey(item.request, provider.identity, item.sample ?? 0);
    } catch (error) {
      queueMicrotask(() => done(failedOutcome(describeError(error), 0, 0), true));
      return;
    }
    const shared = sharedInBatch.get(key);
    if (shared) {
      void shared.then((outcome) => done(outcome, false));
      return;
    }
    const elsewhere = this.#inFlight.get(key);
    if (elsewhere) {
      // Another batch is sending this request; if that batch gets cancelled, send it ourselves.
      let resent = false;
      const joined = elsewhere.then((outcome) => {
        if (outcome.ok || outcome.error.code !== 'cancelled' || context.signal.aborted) return outcome;
        resent = true;
        const own = this.#send(key, item, provider, context, limit);
        return own.then((ownOutcome) => this.#settled(key, own, ownOutcome));
      });
      sharedInBatch.set(key, joined);
      void joined.then((outcome) => done(outcome, resent));
      return;
    }
    const flight = this.#send(key, item, provider, context, limit);
    sharedInBatch.set(key, flight);
    void flight.then((outcome) => {
      // Holding every answer until the batch ends would grow memory with the batch; once an
      // answer is in the cache, the cache serves later duplicates.
      if (outcome.ok && context.cache && sharedInBatch.get(key) === flight) sharedInBatch.delete(key);
      done(this.#settled(key, flight, outcome), true);
    });
  }

  /** Stops offering a finished flight to other batches; returns its outcome. */
  #settled(key: string, flight: Promise<Outcome>, outcome: Outcome): Outcome {
    if (this.#inFlight.get(key) === flight) this.#inFlight.delete(key);
    return outcome;
  }

  /** Sends through the concurrency limit; visible to other batches until the caller reports it settled. */
  #send(key: string, item: BatchItem, provider: Provider, context: RequestContext, limit: LimitFunction): Promise<Outcome> {
    const flight = limit(runRequest, key, item, provider, context);
    this.#inFlight.set(key, flight);
    return flight;
  }

  /** AIMD over the run's attempts (see `AdaptiveConcurrency`). */
  #adaptiveConcurrency(tracker: ProgressTracker): AdaptiveConcurrency | undefined {
    const setting = this.#options.adaptiveConcurrency ?? true;
    if (setting === false) return undefined;
    let previous: number | undefined;
    return new AdaptiveConcurrency({
      ...(typeof setting === 'object' && setting),
      max: this.concurrency,
      now: () => this.#clock.now(),
      // Only attempts are gated, not the run's tasks: a task sleeping out a retry's backoff holds a task
      // slot, and with the task limit cut as well, sleepers would fill it and starve the run.
      onChange: (concurrency) => {
        if (concurrency < (previous ?? this.concurrency)) this.#log({ level: 'info', message: `The server answered 429: at most ${concurrency} requests in flight for now.` });
        previous = concurrency;
        tracker.update();
      },
    });
  }

  #callback(name: string, call: () => void, itemId?: string): void {
    try {
      call();
    } catch (error) {
      this.#log({ level: 'warn', message: `${name} callback failed: ${describeError(error).message}`, itemId, error });
    }
  }
}

function knownLength(items: BatchItem[] | Iterable<BatchItem> | RequestBatch): number | undefined {
  if (Array.isArray(items)) return items.length;
  const length = (items as { length?: unknown }).length;
  return typeof length === 'number' ? length : undefined;
}


function toResult(item: BatchItem, index: number, outcome: Outcome): BatchResult {
  const meta = { id: item.id, index, cached: outcome.cached, attempts: outcome.attempts, latencyMs: outcome.latencyMs };
  if (outcome.ok) {
    return { ok: true, ...meta, ...(outcome.via && { via: outcome.via }), ...(outcome.answerLatencyMs !== undefined && { answerLatencyMs: outcome.answerLatencyMs }), statusCode: outcome.statusCode, ...(outcome.requestId ? { requestId: outcome.requestId } : {}), response: outcome.response };
  }
  return { ok: false, ...meta, ...(outcome.statusCode !== undefined ? { statusCode: outcome.statusCode } : {}), error: outcome.error };
}
