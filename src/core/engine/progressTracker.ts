import type { TokenStats } from './tokenStats';
import type { RateLimitWait } from '../rateLimit/rateLimitWait';

/** Where a batch run stands, as shown in progress bars and status lines. */
export interface ProgressEvent {
  /** Items with a result so far (answers and failures). */
  readonly done: number;
  /** Items in the batch; while the input is a stream of unknown length, the items seen so far. */
  readonly total: number;
  readonly failed: number;
  readonly cached: number;
  /** `cached / done`, 0 before the first result. */
  readonly cacheHitRatio: number;
  /** Requests currently waiting on the provider. */
  readonly inFlight: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Fetched tokens (prompt + completion) per second of wall time. */
  readonly tokensPerSecond: number;
  readonly elapsedMs: number;
  /** Estimated time left; absent until the first result or while the total is unknown. */
  readonly etaMs?: number;
  /** The in-flight limit now: the configured concurrency, lowered for a while after 429s. */
  readonly concurrency: number;
  /** Whether requests are being held back to stay within a rate limit. */
  readonly rateLimited: boolean;
  /** While rate limited: milliseconds until the next request may go ("resumes in 12 s"). */
  readonly waitingForBudgetMs?: number;
  /** While rate limited: what the next request waits for (see `describeRateLimitWait`). */
  readonly waitingFor?: RateLimitWait;
  /** Attempts the server turned away with 429 so far. */
  readonly rateLimited429s: number;
}

export interface ProgressTrackerOptions {
  readonly stats: TokenStats;
  readonly now: () => number;
  /** Known size of the batch; when absent, every `itemSeen` call grows the total. */
  readonly total?: number;
  /** Minimum time between two events; 100 ms keeps it at 10 events per second. */
  readonly minIntervalMs?: number;
  readonly emit: (event: ProgressEvent) => void;
  /** The in-flight limit now; 0 (unknown) when absent. */
  readonly concurrency?: () => number;
  /** How long until a request held back by a rate limit may go, and for what; undefined while none is held back. */
  readonly budgetWait?: () => { readonly ms: number; readonly reason?: RateLimitWait } | undefined;
}

/** Turns run statistics into throttled {@link ProgressEvent}s, plus a final unthrottled one. */
export class ProgressTracker {
  readonly #options: ProgressTrackerOptions;
  readonly #minIntervalMs: number;
  #total: number;
  #inFlight = 0;
  #lastEmit = Number.NEGATIVE_INFINITY;

  constructor(options: ProgressTrackerOptions) {
    this.#options = options;
    this.#minIntervalMs = options.minIntervalMs ?? 100;
    this.#total = options.total ?? 0;
  }

  itemSeen(): void {
    if (this.#options.total === undefined) this.#total++;
  }

  requestStarted(): void {
    this.#inFlight++;
    this.update();
  }

  requestEnded(): void {
    this.#inFlight--;
    this.update();
  }

  /** Emits an event unless one went out less than `minIntervalMs` ago. */
  update(): void {
    if (this.#options.now() - this.#lastEmit >= this.#minIntervalMs) this.flush();
  }

  /** Emits an event now, whatever the throttle says (used for the first and last ones). */
  flush(): void {
    this.#lastEmit = this.#options.now();
    this.#options.emit(this.event());
  }

  event(): ProgressEvent {
    const { stats, now, total } = this.#options;
    const snapshot = stats.snapshot();
    const done = snapshot.requestsCompleted + snapshot.requestsFailed;
    const elapsedMs = Math.max(0, now() - snapshot.startTime);
    const tokens = snapshot.promptTokens + snapshot.completionTokens;
    const wait = this.#options.budgetWait?.();
    const event: ProgressEvent = {
      done,
      total: Math.max(this.#total, done),
      failed: snapshot.requestsFailed,
      cached: snapshot.cacheHits,
      cacheHitRatio: done === 0 ? 0 : snapshot.cacheHits / done,
      inFlight: this.#inFlight,
      promptTokens: snapshot.promptTokens,
      completionTokens: snapshot.completionTokens,
      tokensPerSecond: elapsedMs === 0 ? 0 : (tokens * 1000) / elapsedMs,
      elapsedMs,
      concurrency: this.#options.concurrency?.() ?? 0,
      rateLimited: wait !== undefined,
      ...(wait !== undefined && { waitingForBudgetMs: wait.ms }),
      ...(wait?.reason !== undefined && { waitingFor: wait.reason }),
      rateLimited429s: snapshot.rateLimited429s,
    };
    if (total === undefined || done === 0) return event;
    return { ...event, etaMs: done >= total ? 0 : Math.round((elapsedMs / done) * (total - done)) };
  }
}
