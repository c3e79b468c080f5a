import type { Usage } from '../models';

/** Running totals of one batch run. */
export interface TokenStatsSnapshot {
  /** Tokens of answers fetched during this run; cached and shared answers cost nothing and are not counted. */
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
  /** Items that ended with an answer, fresh or cached. */
  readonly requestsCompleted: number;
  /** Items that ended with a failure record, cancellations included. */
  readonly requestsFailed: number;
  /** Items answered from the cache. */
  readonly cacheHits: number;
  /** Attempts the server turned away with 429 (each retry that met one counts again). */
  readonly rateLimited429s: number;
  /** When the run started, in the run clock's milliseconds. */
  readonly startTime: number;
}

/** Accumulates token usage and outcome counts as results arrive. */
export class TokenStats {
  readonly startTime: number;
  #promptTokens = 0;
  #completionTokens = 0;
  #totalTokens = 0;
  #requestsCompleted = 0;
  #requestsFailed = 0;
  #cacheHits = 0;
  #rateLimited429s = 0;

  constructor(startTime: number) {
    this.startTime = startTime;
  }

  /** Adds the usage of an answer that was actually fetched. */
  addUsage(usage: Usage | undefined): void {
    if (!usage) return;
    this.#promptTokens += usage.prompt_tokens;
    this.#completionTokens += usage.completion_tokens;
    // Some compatible servers omit or zero total_tokens.
    this.#totalTokens += usage.total_tokens || usage.prompt_tokens + usage.completion_tokens;
  }

  recordSuccess(cached: boolean): void {
    this.#requestsCompleted++;
    if (cached) this.#cacheHits++;
  }

  recordFailure(): void {
    this.#requestsFailed++;
  }

  /** An attempt met a 429. */
  recordRateLimited(): void {
    this.#rateLimited429s++;
  }

  get done(): number {
    return this.#requestsCompleted + this.#requestsFailed;
  }

  snapshot(): TokenStatsSnapshot {
    return {
      promptTokens: this.#promptTokens,
      completionTokens: this.#completionTokens,
      totalTokens: this.#totalTokens,
      requestsCompleted: this.#requestsCompleted,
      requestsFailed: this.#requestsFailed,
      cacheHits: this.#cacheHits,
      rateLimited429s: this.#rateLimited429s,
      startTime: this.startTime,
    };
  }
}
