/**
 * A per-minute budget (requests or tokens) spent as providers enforce it: in
 * slices of about a second, so a full minute's budget never goes out at once.
 *
 * Two rules, both needed:
 * - a token bucket refilled continuously at the minute's pace spaces requests
 *   evenly from the start (it starts at a twentieth of a second's slice: a
 *   bigger burst at the start would come back every second as the log lets
 *   it go) and holds a quarter of a slice, so a moment when the process was
 *   busy elsewhere is made up for afterwards;
 * - a log of what went out in the last second keeps every one-second window,
 *   however a server aligns its windows, within the slice. Catching up after a
 *   stall cannot push a second over.
 *
 * Both run at `utilization` (95 %) of the limit: a margin for requests that
 * reach the server in another order or another second than they left.
 */

export interface BudgetOptions {
  /** Share of the limit used. Default 0.95. */
  readonly utilization?: number;
  /** Seconds of budget the bucket holds for catching up. Default 0.25. */
  readonly catchUpSeconds?: number;
}

/** One charge in the last-second log; a refund shrinks it while it is still in the window. */
export interface BudgetCharge {
  readonly time: number;
  cost: number;
}

const windowMs = 1_000;

export class Budget {
  readonly #utilization: number;
  readonly #catchUpSeconds: number;
  #perMinute: number;
  #rate = 0;
  #capacity = 0;
  #windowLimit = 0;
  #level: number;
  #updated: number;
  readonly #log: BudgetCharge[] = [];
  #logStart = 0;
  #inWindow = 0;
  #fresh = true;

  constructor(perMinute: number, now: number, options: BudgetOptions = {}) {
    if (!(perMinute > 0)) throw new RangeError(`a budget needs a positive limit per minute (got ${perMinute})`);
    this.#utilization = options.utilization ?? 0.95;
    this.#catchUpSeconds = options.catchUpSeconds ?? 0.25;
    this.#perMinute = perMinute;
    this.#shape();
    this.#level = Math.max(Math.min(1, this.#capacity), this.#capacity / 5);
    this.#updated = now;
  }

  get perMinute(): number {
    return this.#perMinute;
  }

  setLimit(perMinute: number, now: number): void {
    if (!(perMinute > 0) || perMinute === this.#perMinute) return;
    this.#refill(now);
    this.#perMinute = perMinute;
    this.#shape();
    this.#level = Math.min(this.#level, this.#capacity);
  }

  /** Units in the bucket at `now` (negative while an expensive request is being paid off). */
  level(now: number): number {
    this.#refill(now);
    return this.#level;
  }

  /**
   * Milliseconds until `cost` may go. A cost above the bucket's size goes once
   * the bucket is full, and one above the window's share once the last second
   * is clear, so no request is refused for good.
   */
  waitMs(cost: number, now: number): number {
    // The first request never waits; the ones after it are paced.
    if (this.#fresh) return 0;
    this.#refill(now);
    const needed = Math.min(cost, this.#capacity);
    const bucketWait = this.#level >= needed ? 0 : (needed - this.#level) / this.#rate;
    return Math.ceil(Math.max(bucketWait, this.#windowWait(cost, now)));
  }

  /** Charges `cost` now; the returned charge lets a refund reach the window it was counted in. */
  take(cost: number, now: number): BudgetCharge {
    this.#fresh = false;
    this.#refill(now);
    this.#level -= cost;
    const charge: BudgetCharge = { time: now, cost };
    this.#log.push(charge);
    this.#inWindow += cost;
    return charge;
  }

  /**
   * Gives back `amount` of an earlier charge (a negative amount charges more).
   * Unlike refill, a refund may lift the bucket above its size: it is room the
   * server has just been given back, and dropping it would throttle every
   * request whose estimate ran above what it used.
   */
  give(amount: number, now: number, charge?: BudgetCharge): void {
    this.#refill(now);
    this.#level += amount;
    if (charge && charge.time > now - windowMs) {
      const cost = Math.max(0, charge.cost - amount);
      this.#inWindow += cost - charge.cost;
      charge.cost = cost;
    }
  }

  /** Empties the bucket: nothing more goes out until it refills. */
  drain(now: number): void {
    this.#refill(now);
    this.#level = Math.min(this.#level, 0);
  }

  #shape(): void {
    const slice = this.#perMinute / 60;
    this.#rate = (slice * this.#utilization) / 1000;
    this.#capacity = Math.max(1, slice * this.#catchUpSeconds);
    this.#windowLimit = slice * this.#utilization;
  }

  #refill(now: number): void {
    const elapsed = now - this.#updated;
    if (elapsed > 0 && this.#level < this.#capacity) this.#level = Math.min(this.#capacity, this.#level + elapsed * this.#rate);
    this.#updated = Math.max(this.#updated, now);
  }

  /** How long until the last second's log leaves room for `cost`. */
  #windowWait(cost: number, now: number): number {
    this.#expire(now);
    if (this.#inWindow + cost <= this.#windowLimit || this.#inWindow <= 0) return 0;
    let freed = 0;
    for (let at = this.#logStart; at < this.#log.length; at++) {
      const charge = this.#log[at]!;
      freed += charge.cost;
      if (this.#inWindow - freed + cost <= this.#windowLimit || freed >= this.#inWindow) return charge.time + windowMs - now;
    }
    return windowMs;
  }

  #expire(now: number): void {
    const log = this.#log;
    while (this.#logStart < log.length && log[this.#logStart]!.time <= now - windowMs) this.#inWindow -= log[this.#logStart++]!.cost;
    if (this.#logStart > 1024 && this.#logStart * 2 > log.length) {
      log.splice(0, this.#logStart);
      this.#logStart = 0;
    }
    if (this.#logStart === log.length) this.#inWindow = 0;
  }
}
