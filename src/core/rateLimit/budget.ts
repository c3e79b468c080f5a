/**
 * A per-minute budget (requests or tokens) spent as providers enforce it: in
 * slices of about a second. A token bucket refilled continuously at the
 * minute's rate, holding at most a small share of one second's slice, so a
 * full minute's budget never goes out at once and no one-second window ever
 * sees more than its slice: burst (`burstFraction` of a slice) plus refill
 * (the rest of it) add up to exactly one slice per second.
 */

/** Share of a one-second slice that may go out at once; the rest is paced. */
export const defaultBurstFraction = 0.05;

export class Budget {
  #perMinute: number;
  #burstFraction: number;
  // Units per millisecond, and the most the bucket holds.
  #rate = 0;
  #capacity = 0;
  #level: number;
  #updated: number;

  constructor(perMinute: number, now: number, burstFraction = defaultBurstFraction) {
    if (!(perMinute > 0)) throw new RangeError(`a budget needs a positive limit per minute (got ${perMinute})`);
    this.#perMinute = perMinute;
    this.#burstFraction = burstFraction;
    this.#shape();
    this.#level = this.#capacity;
    this.#updated = now;
  }

  get perMinute(): number {
    return this.#perMinute;
  }

  /** Changes the limit, keeping the bucket as full (relative to its size) as it was. */
  setLimit(perMinute: number, now: number): void {
    if (!(perMinute > 0) || perMinute === this.#perMinute) return;
    this.#refill(now);
    const fill = this.#capacity > 0 ? this.#level / this.#capacity : 1;
    this.#perMinute = perMinute;
    this.#shape();
    this.#level = fill * this.#capacity;
  }

  /** Units available at `now` (negative while an expensive request is being paid off). */
  level(now: number): number {
    this.#refill(now);
    return this.#level;
  }

  /**
   * Milliseconds until `cost` may be taken. A cost above the bucket's size goes
   * once the bucket is full and is paid off afterwards, so it is never refused.
   */
  waitMs(cost: number, now: number): number {
    this.#refill(now);
    const needed = Math.min(cost, this.#capacity);
    return this.#level >= needed ? 0 : Math.ceil((needed - this.#level) / this.#rate);
  }

  take(cost: number, now: number): void {
    this.#refill(now);
    this.#level -= cost;
  }

  /** Gives back `amount` (a negative amount charges more), never above the bucket's size. */
  give(amount: number, now: number): void {
    this.#refill(now);
    this.#level = Math.min(this.#capacity, this.#level + amount);
  }

  /** Empties the bucket: nothing more goes out until it refills. */
  drain(now: number): void {
    this.#refill(now);
    this.#level = Math.min(this.#level, 0);
  }

  #shape(): void {
    const slice = this.#perMinute / 60;
    // At least one unit, so a budget of a few requests a minute still sends one at a time.
    this.#capacity = Math.max(1, slice * this.#burstFraction);
    const paced = Math.max(slice - this.#capacity, slice * (1 - this.#burstFraction));
    this.#rate = paced / 1000;
  }

  #refill(now: number): void {
    const elapsed = now - this.#updated;
    if (elapsed > 0) this.#level = Math.min(this.#capacity, this.#level + elapsed * this.#rate);
    this.#updated = Math.max(this.#updated, now);
  }
}
