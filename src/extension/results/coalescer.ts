/**
 * Gathers updates and delivers them at most once per interval, so a run that
 * answers a thousand requests a second costs the webview ten messages a second.
 */

export interface CoalescerTimers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: CoalescerTimers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class Coalescer<K> {
  private readonly pending = new Set<K>();
  private handle: unknown;
  private scheduled = false;

  constructor(
    private readonly deliver: (keys: Set<K>) => void,
    private readonly intervalMs = 100,
    private readonly timers: CoalescerTimers = realTimers,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  add(keys: Iterable<K>): void {
    for (const key of keys) this.pending.add(key);
    if (this.pending.size === 0 || this.scheduled) return;
    this.scheduled = true;
    this.handle = this.timers.set(() => this.flush(), this.intervalMs);
  }

  /** Delivers what is pending now (e.g. before a `finished` message, so it arrives after the last rows). */
  flush(): void {
    if (this.scheduled) this.timers.clear(this.handle);
    this.scheduled = false;
    if (this.pending.size === 0) return;
    const keys = new Set(this.pending);
    this.pending.clear();
    this.deliver(keys);
  }

  /** Drops what is pending (the webview is about to get everything in one `init`). */
  clear(): void {
    if (this.scheduled) this.timers.clear(this.handle);
    this.scheduled = false;
    this.pending.clear();
  }
}
