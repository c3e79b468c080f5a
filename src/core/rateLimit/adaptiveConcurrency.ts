/**
 * Additive-increase, multiplicative-decrease control of how many requests are
 * in flight: a 429 halves the limit, a run of answers raises it by one, and it
 * never leaves [1, the configured concurrency].
 *
 * Attempts, not tasks, pass through {@link AdaptiveConcurrency.enter}: a
 * request retrying after a 429 keeps its task slot, so lowering a task limit
 * would not slow the retries that a 429 storm is made of — and tasks sleeping
 * out their backoff would fill the lowered limit and starve the run.
 *
 * One burst of 429s is one signal. Answers to requests sent before the last
 * cut describe the old load, and a cut takes a moment to show, so at most one
 * cut happens per `cooldownMs`; otherwise a server that turns away a fixed
 * share of requests would drive the limit to 1.
 */

export interface AdaptiveConcurrencyOptions {
  /** The configured concurrency: the start and the ceiling. */
  readonly max: number;
  /** Default 1. */
  readonly min?: number;
  /** Factor applied on a 429. Default 0.5. */
  readonly decrease?: number;
  /** Answers since the last change that raise the limit by one. Default 10. */
  readonly increaseAfter?: number;
  /** Least time between two cuts. Default 1 000 ms. */
  readonly cooldownMs?: number;
  readonly now: () => number;
  /** Called with each new limit. */
  readonly onChange?: (concurrency: number) => void;
}

export class AdaptiveConcurrency {
  readonly #max: number;
  readonly #min: number;
  readonly #decrease: number;
  readonly #increaseAfter: number;
  readonly #cooldownMs: number;
  readonly #now: () => number;
  readonly #onChange: ((concurrency: number) => void) | undefined;
  #current: number;
  #answers = 0;
  #lastCut = Number.NEGATIVE_INFINITY;
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(options: AdaptiveConcurrencyOptions) {
    this.#max = Math.max(1, Math.floor(options.max));
    this.#min = Math.min(this.#max, Math.max(1, Math.floor(options.min ?? 1)));
    this.#decrease = options.decrease ?? 0.5;
    if (!(this.#decrease > 0 && this.#decrease < 1)) throw new RangeError(`decrease must be between 0 and 1 (got ${this.#decrease})`);
    this.#increaseAfter = Math.max(1, Math.floor(options.increaseAfter ?? 10));
    this.#cooldownMs = options.cooldownMs ?? 1_000;
    this.#now = options.now;
    this.#onChange = options.onChange;
    this.#current = this.#max;
  }

  /** The in-flight limit now. */
  get current(): number {
    return this.#current;
  }

  /** Attempts in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Resolves once one more attempt may be in flight; call {@link leave} when it
   * ends. Rejects with `signal.reason` if `signal` aborts first.
   */
  enter(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#inFlight < this.#current && this.#waiting.length === 0) {
      this.#inFlight++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const admit = () => {
        signal?.removeEventListener('abort', onAbort);
        this.#inFlight++;
        resolve();
      };
      const onAbort = () => {
        const at = this.#waiting.indexOf(admit);
        if (at !== -1) this.#waiting.splice(at, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(admit);
    });
  }

  leave(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    this.#admit();
  }

  /** An attempt started at `startedAt` met a 429; returns whether the limit was cut. */
  rateLimited(startedAt: number): boolean {
    const now = this.#now();
    if (startedAt < this.#lastCut || now - this.#lastCut < this.#cooldownMs) return false;
    this.#lastCut = now;
    this.#answers = 0;
    this.#set(Math.max(this.#min, Math.floor(this.#current * this.#decrease)));
    return true;
  }

  /** An attempt was answered. */
  answered(): void {
    if (this.#current >= this.#max) return;
    if (++this.#answers < this.#increaseAfter) return;
    this.#answers = 0;
    this.#set(this.#current + 1);
  }

  #set(value: number): void {
    if (value === this.#current) return;
    this.#current = value;
    this.#onChange?.(value);
    this.#admit();
  }

  #admit(): void {
    while (this.#inFlight < this.#current && this.#waiting.length > 0) this.#waiting.shift()!();
  }
}
