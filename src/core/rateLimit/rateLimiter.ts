/**
 * Keeps the requests to one endpoint (and key) under its rate limits, so they
 * wait for budget on the client instead of being sent to fail with 429.
 *
 * What it knows comes from three places: budgets the user configured (`rpm`,
 * `tpm`), the limits a server announces in its `x-ratelimit-*` headers, and
 * what those headers say is left until when. The lower of a configured and an
 * announced limit wins.
 *
 * What a server announces never holds a request back for more than
 * `maxServerWaitMs` (60 s) in all: past that it is sent, and the server's next
 * answer says again where things stand. Budgets the user configured are paced
 * as configured, however long that takes.
 */
import type { LLMRequest, Usage } from '../models';
import type { Clock } from '../engine/clock';
import { systemClock } from '../engine/clock';
import { APIError } from '../errors';
import { maxServerWaitMs } from '../engine/retryPolicy';
import { Budget } from './budget';
import type { BudgetCharge, BudgetOptions } from './budget';
import type { LimitReading } from './rateLimitHeaders';
import { readRateLimitHeaders } from './rateLimitHeaders';
import type { RateLimitWait } from './rateLimitWait';
import type { RateLimitNotice } from './rateLimitNotices';
import { RateLimitNotices } from './rateLimitNotices';
import { TokenEstimator } from './tokenEstimate';
import type { HeaderReader } from '../providers/provider';

/** Budgets per minute; absent means not limited (unless the server says otherwise). */
export interface RateLimits {
  /** Requests per minute. */
  readonly rpm?: number;
  /** Tokens (prompt + completion) per minute. */
  readonly tpm?: number;
}

export interface RateLimiterOptions extends RateLimits {
  readonly clock?: Clock;
  /** Shared between limiters so the tokenizer loads once. */
  readonly estimator?: TokenEstimator;
  /** How budgets are paced: the share of each limit used (95 %) and the catch-up allowance. */
  readonly budget?: BudgetOptions;
  /**
   * While nothing is known about an endpoint, its first request goes alone and
   * the rest wait for its answer (whose headers may announce the limits) for at
   * most this long. Default 2 000 ms; 0 sends everything at once.
   */
  readonly probeTimeoutMs?: number;
}

/** The right to send one attempt; report how it went exactly once. */
export interface RateLimitPermit {
  /** Tokens charged for it before sending. */
  readonly tokens: number;
  /** The attempt was answered: its headers update what is known, its usage settles the token charge. */
  succeeded(headers?: HeaderReader, usage?: Usage): void;
  /** The attempt failed; a 429 empties the budgets and its headers say for how long. */
  failed(error: unknown): void;
}

/** How much longer than requests alone tokens must hold a request back before counting them exactly is worth a stall. */
const exactCountsAfterMs = 100;

interface Waiter {
  readonly request: LLMRequest;
  // Estimated again when a token budget becomes known while it waits.
  cost: number;
  completion: number;
  /** When it began to wait: what a server announced holds it back `maxServerWaitMs` at most from here. */
  readonly since: number;
  readonly resolve: (permit: RateLimitPermit) => void;
  readonly reject: (reason: unknown) => void;
  readonly signal?: AbortSignal;
  onAbort?: () => void;
}

/** What a server said is left of a budget, and until when that holds. */
interface ServerWindow {
  remaining: number;
  readonly until: number;
}

interface Grant {
  readonly mark: number;
  readonly cost: number;
  /** The part of `cost` that is the completion the request may produce. */
  readonly completion: number;
  readonly probe: boolean;
  /** The token charge, for settling it in the window it was counted in. */
  readonly tokenCharge: BudgetCharge | undefined;
}

export class RateLimiter {
  readonly #clock: Clock;
  readonly #estimator: TokenEstimator;
  readonly #budgetOptions: BudgetOptions;
  readonly #probeTimeoutMs: number;
  #configured: RateLimits;
  #announced: { rpm?: number; tpm?: number } = {};
  // Whether the budget in force is the server's (lower than any configured one): its waits are bounded like any announcement.
  #budgetFromServer = { requests: false, tokens: false };
  #requests: Budget | undefined;
  #tokens: Budget | undefined;
  #serverRequests: ServerWindow | undefined;
  #serverTokens: ServerWindow | undefined;
  #pausedUntil = 0;
  #probe: 'unknown' | 'probing' | 'known' = 'unknown';
  #probeDeadline = 0;
  readonly #queue: Waiter[] = [];
  #sleep: AbortController | undefined;
  #resumeAt: number | undefined;
  // Why the latest wait computed waits, and whether a server's announcement is what imposes it.
  #holdReason: RateLimitWait | undefined;
  #holdAnnounced = false;
  #waitingFor: RateLimitWait | undefined;
  readonly #notices = new RateLimitNotices();
  #granted = 0;
  // Grants not yet settled, in grant order: the ones a server had not seen when it wrote its headers.
  readonly #outstanding = new Set<Grant>();

  constructor(options: RateLimiterOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#estimator = options.estimator ?? new TokenEstimator();
    this.#budgetOptions = options.budget ?? {};
    this.#probeTimeoutMs = options.probeTimeoutMs ?? 2_000;
    this.#configured = checked({ rpm: options.rpm, tpm: options.tpm });
    this.#applyLimits(this.#clock.now());
  }

  /** Replaces the configured budgets (absent fields remove them); limits a server announced still apply. */
  configure(limits: RateLimits): void {
    const next = checked(limits);
    if (next.rpm === this.#configured.rpm && next.tpm === this.#configured.tpm) return;
    this.#configured = next;
    this.#applyLimits(this.#clock.now());
    this.#wake();
  }

  /** The budgets in force: the lower of the configured and the announced ones. */
  get limits(): RateLimits {
    return {
      ...(this.#requests && { rpm: this.#requests.perMinute }),
      ...(this.#tokens && { tpm: this.#tokens.perMinute }),
    };
  }

  /** Requests waiting for budget. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Milliseconds until the next waiting request may go; undefined when none waits. */
  waitingMs(): number | undefined {
    if (this.#queue.length === 0) return undefined;
    const now = this.#clock.now();
    return Math.max(0, (this.#resumeAt ?? now) - now);
  }

  /** What the next waiting request waits for; undefined when none waits. */
  get waitingFor(): RateLimitWait | undefined {
    return this.#queue.length === 0 ? undefined : this.#waitingFor;
  }

  /**
   * Hears what a run's log should say about this endpoint's limits: each server
   * value ignored as noise or cut, once, and each wait of a second or more that
   * a server imposes as it begins. Returns the way to stop listening.
   */
  onNotice(listener: (notice: RateLimitNotice) => void): () => void {
    return this.#notices.listen(listener);
  }

  /**
   * Resolves once `request` fits the budgets, charging it. Requests are let
   * through in the order they asked. Rejects with `signal.reason` if `signal`
   * aborts first.
   */
  acquire(request: LLMRequest, signal?: AbortSignal): Promise<RateLimitPermit> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    // Without a token budget there is nothing to charge, and counting would be wasted work.
    const estimate = this.#tokens || this.#serverTokens ? this.#estimator.estimate(request) : undefined;
    const cost = estimate?.total ?? 0;
    const completion = estimate?.completion ?? 0;
    const now = this.#clock.now();
    if (this.#queue.length === 0 && this.#waitMs(cost, now, now) === 0) return Promise.resolve(this.#grant(cost, completion, now));
    return new Promise<RateLimitPermit>((resolve, reject) => {
      const waiter: Waiter = { request, cost, completion, since: now, resolve, reject, ...(signal && { signal }) };
      if (signal) {
        waiter.onAbort = () => {
          const at = this.#queue.indexOf(waiter);
          if (at !== -1) this.#queue.splice(at, 1);
          reject(signal.reason);
          if (at === 0) this.#wake();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      if (this.#queue.length === 1) this.#pump();
    });
  }

  /**
   * How long a request costing `cost`, waiting since `since`, must still wait;
   * `#holdReason` says for what. Waits a server imposes end `maxServerWaitMs`
   * after `since` at the latest; those of configured budgets do not.
   */
  #waitMs(cost: number, now: number, since: number): number {
    let configured = 0;
    let configuredReason: RateLimitWait | undefined;
    let announced = 0;
    let announcedReason: RateLimitWait | undefined;
    let tokenWait = 0;
    let otherWait = 0;
    const hold = (ms: number, reason: RateLimitWait, fromServer: boolean) => {
      if (reason === 'tokens' || reason === 'server-tokens') tokenWait = Math.max(tokenWait, ms);
      else otherWait = Math.max(otherWait, ms);
      if (fromServer && ms > announced) [announced, announcedReason] = [ms, reason];
      if (!fromServer && ms > configured) [configured, configuredReason] = [ms, reason];
    };
    hold(this.#pausedUntil - now, 'retry-after', true);
    if (this.#probe === 'probing' && !this.#requests && !this.#tokens) hold(this.#probeDeadline - now, 'first-answer', true);
    if (this.#requests) hold(this.#requests.waitMs(1, now), 'requests', this.#budgetFromServer.requests);
    const requests = this.#serverRequests;
    if (requests && requests.until > now && requests.remaining < 1) hold(requests.until - now, 'server-requests', true);
    if (this.#tokens) hold(this.#tokens.waitMs(cost, now), 'tokens', this.#budgetFromServer.tokens);
    const tokens = this.#serverTokens;
    if (tokens && tokens.until > now && tokens.remaining < cost) hold(tokens.until - now, 'server-tokens', true);
    // Exact counts matter once tokens are what holds requests back; loading the encoding stalls the process, so not before.
    if (tokenWait > otherWait + exactCountsAfterMs && !this.#estimator.exact) void this.#estimator.ready();
    announced = Math.min(announced, since + maxServerWaitMs - now);
    this.#holdAnnounced = announced > configured;
    this.#holdReason = this.#holdAnnounced ? announcedReason : configuredReason;
    return Math.ceil(Math.max(0, configured, announced));
  }

  #grant(cost: number, completion: number, now: number): RateLimitPermit {
    this.#requests?.take(1, now);
    const tokenCharge = this.#tokens?.take(cost, now);
    if (this.#serverRequests && this.#serverRequests.until > now) this.#serverRequests.remaining -= 1;
    if (this.#serverTokens && this.#serverTokens.until > now) this.#serverTokens.remaining -= cost;
    const probe = this.#probe === 'unknown' && !this.#requests && !this.#tokens && this.#probeTimeoutMs > 0;
    if (probe) {
      this.#probe = 'probing';
      this.#probeDeadline = now + this.#probeTimeoutMs;
    }
    const grant: Grant = { mark: ++this.#granted, cost, completion, probe, tokenCharge };
    this.#outstanding.add(grant);
    let settled = false;
    const settle = (report: () => void) => {
      if (settled) return;
      settled = true;
      report();
      this.#outstanding.delete(grant);
      if (grant.probe && this.#probe === 'probing') this.#probe = 'known';
      this.#wake();
    };
    return {
      tokens: cost,
      succeeded: (headers, usage) => settle(() => this.#answered(grant, headers, usage)),
      failed: (error) => settle(() => this.#failedWith(grant, error)),
    };
  }

  #answered(grant: Grant, headers: HeaderReader | undefined, usage: Usage | undefined): void {
    const now = this.#clock.now();
    this.#learn(grant, headers, now, false);
    if (usage && this.#tokens) {
      const used = usage.total_tokens || usage.prompt_tokens + usage.completion_tokens;
      this.#tokens.give(grant.cost - used, now, grant.tokenCharge);
    }
  }

  #failedWith(grant: Grant, error: unknown): void {
    const now = this.#clock.now();
    const rateLimited = error instanceof APIError && error.status === 429;
    if (error instanceof APIError) this.#learn(grant, error.headers, now, rateLimited);
    if (rateLimited && !this.#estimator.exact && (this.#tokens || this.#serverTokens)) void this.#estimator.ready();
    if (rateLimited) {
      // Over the limit after all (another client on the key, or a stricter server): send nothing more until the budgets refill.
      this.#requests?.drain(now);
      this.#tokens?.drain(now);
    } else if (this.#tokens && grant.completion > 0) {
      // No answer was produced, so the completion it might have had is not owed; the prompt may have been counted.
      this.#tokens.give(grant.completion, now, grant.tokenCharge);
    }
  }

  #learn(grant: Grant, headers: HeaderReader | undefined, now: number, rateLimited: boolean): void {
    const reading = readRateLimitHeaders(headers, now);
    if (!reading) return;
    for (const note of reading.notes ?? []) this.#notices.note(note);
    const { requests, tokens } = reading;
    if ((requests.limit !== undefined && requests.limit !== this.#announced.rpm) || (tokens.limit !== undefined && tokens.limit !== this.#announced.tpm)) {
      this.#announced = { rpm: requests.limit ?? this.#announced.rpm, tpm: tokens.limit ?? this.#announced.tpm };
      this.#applyLimits(now);
    }
    // The server had not yet counted what was sent after this attempt and is still out.
    let unseenRequests = 0;
    let unseenTokens = 0;
    for (const other of this.#outstanding) {
      if (other.mark <= grant.mark) continue;
      unseenRequests++;
      unseenTokens += other.cost;
    }
    const requestWindow = windowOf(requests, unseenRequests, now);
    if (requestWindow) this.#serverRequests = requestWindow;
    const tokenWindow = windowOf(tokens, unseenTokens, now);
    if (tokenWindow) this.#serverTokens = tokenWindow;
    // A 429 is about the endpoint's limit when the server speaks of limits or we keep a budget for it: then
    // nothing goes until the wait is over. A bare 429 from an endpoint without either (an overloaded
    // gateway turning away one request in ten) delays only its own retry; pausing everything for each one
    // would stall the whole run.
    const aboutTheLimit = this.#requests !== undefined || this.#tokens !== undefined || Object.keys(requests).length > 0 || Object.keys(tokens).length > 0;
    if (rateLimited && aboutTheLimit && reading.retryAfterMs !== undefined) this.#pausedUntil = Math.max(this.#pausedUntil, now + reading.retryAfterMs);
  }

  #applyLimits(now: number): void {
    const rpm = lower(this.#configured.rpm, this.#announced.rpm);
    const tpm = lower(this.#configured.tpm, this.#announced.tpm);
    this.#budgetFromServer = { requests: rpm !== this.#configured.rpm, tokens: tpm !== this.#configured.tpm };
    const hadTokens = this.#tokens !== undefined;
    this.#requests = shaped(this.#requests, rpm, now, this.#budgetOptions);
    this.#tokens = shaped(this.#tokens, tpm, now, this.#budgetOptions);
    if (!this.#tokens || hadTokens) return;
    // Requests queued while tokens were not counted are charged like the rest.
    for (const waiter of this.#queue) {
      const estimate = this.#estimator.estimate(waiter.request);
      waiter.cost = estimate.total;
      waiter.completion = estimate.completion;
    }
  }

  /** Lets through every waiter that fits, then sleeps until the first that does not. */
  #pump(): void {
    if (this.#sleep) return;
    const now = this.#clock.now();
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      const wait = this.#waitMs(head.cost, now, head.since);
      if (wait > 0) {
        this.#resumeAt = now + wait;
        this.#waitingFor = this.#holdReason;
        if (this.#holdAnnounced && this.#holdReason) this.#notices.hold(wait, now, this.#holdReason);
        const sleep = new AbortController();
        this.#sleep = sleep;
        this.#clock.sleep(wait, sleep.signal).then(
          () => {
            if (this.#sleep !== sleep) return;
            this.#sleep = undefined;
            this.#pump();
          },
          () => undefined,
        );
        return;
      }
      this.#queue.shift();
      if (head.onAbort) head.signal?.removeEventListener('abort', head.onAbort);
      head.resolve(this.#grant(head.cost, head.completion, now));
    }
    this.#resumeAt = undefined;
  }

  /** Re-checks the queue now: budget came back, or the limits changed. */
  #wake(): void {
    if (this.#sleep) {
      this.#sleep.abort();
      this.#sleep = undefined;
    }
    if (this.#queue.length > 0) this.#pump();
  }
}

function checked(limits: RateLimits): RateLimits {
  for (const [name, value] of Object.entries(limits)) {
    if (value !== undefined && !(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
      throw new RangeError(`${name} must be a number above 0 (got ${String(value)})`);
    }
  }
  return { ...(limits.rpm !== undefined && { rpm: limits.rpm }), ...(limits.tpm !== undefined && { tpm: limits.tpm }) };
}

function lower(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function shaped(budget: Budget | undefined, perMinute: number | undefined, now: number, options: BudgetOptions): Budget | undefined {
  if (perMinute === undefined) return undefined;
  if (!budget) return new Budget(perMinute, now, options);
  budget.setLimit(perMinute, now);
  return budget;
}

function windowOf(reading: LimitReading, unseen: number, now: number): ServerWindow | undefined {
  if (reading.remaining === undefined || reading.resetMs === undefined) return undefined;
  return { remaining: reading.remaining - unseen, until: now + reading.resetMs };
}
