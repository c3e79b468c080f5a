/**
 * Timers that survive any delay. Node keeps a timeout in a signed 32-bit
 * number of milliseconds: past 2^31-1 ms (24.8 days) it warns
 * (TimeoutOverflowWarning) and fires after 1 ms, so a long wait asked for by a
 * server or a setting would turn into a busy loop. Every timer of the engine
 * goes through here.
 */

/** The longest delay Node's setTimeout honours. */
export const maxTimerMs = 2 ** 31 - 1;

export interface Timer {
  /** Stops the timer; calling it again, or after it fired, does nothing. */
  clear(): void;
}

export interface TimerOptions {
  /** Let the process exit while the timer waits (see `Timeout.unref`). */
  readonly unref?: boolean;
}

/**
 * Calls `callback` once after `ms`: a delay past {@link maxTimerMs} is waited
 * out in steps, `Infinity` never fires, and a negative or NaN delay fires on
 * the next turn of the event loop.
 */
export function startTimer(callback: () => void, ms: number, options: TimerOptions = {}): Timer {
  let handle: ReturnType<typeof setTimeout> | undefined;
  let cleared = false;
  const arm = (left: number) => {
    if (cleared || left === Number.POSITIVE_INFINITY) return;
    const step = Math.min(Math.max(0, left || 0), maxTimerMs);
    handle = setTimeout(() => {
      handle = undefined;
      if (left > maxTimerMs) arm(left - maxTimerMs);
      else callback();
    }, step);
    if (options.unref) handle.unref();
  };
  arm(ms);
  return {
    clear() {
      cleared = true;
      if (handle !== undefined) clearTimeout(handle);
      handle = undefined;
    },
  };
}

/**
 * A signal that aborts with `reason()` after `ms` (any length, see
 * {@link startTimer}); `clear` stops the timer once it is no longer needed. The
 * timer never keeps the process alive, like `AbortSignal.timeout`'s.
 */
export function timeoutSignal(ms: number, reason: () => unknown): { readonly signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = startTimer(() => controller.abort(reason()), ms, { unref: true });
  return { signal: controller.signal, clear: () => timer.clear() };
}
