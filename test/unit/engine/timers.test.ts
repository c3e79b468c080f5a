import { describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { maxTimerMs, startTimer, timeoutSignal } from '../../../src/core/engine/timers';
import { systemClock } from '../../../src/core/engine/clock';

/** Collects the process warnings emitted while `work` runs and a few event-loop turns after it. */
async function warningsDuring(work: () => Promise<void> | void): Promise<Error[]> {
  const warnings: Error[] = [];
  const listen = (warning: Error) => warnings.push(warning);
  process.on('warning', listen);
  try {
    await work();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listen);
  }
  return warnings;
}

describe('timers past 2^31 ms', () => {
  it('waits out a delay longer than Node can hold in steps, firing only once the whole delay has passed', () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      let fired = 0;
      startTimer(() => fired++, maxTimerMs + 1_000);
      mock.timers.tick(maxTimerMs);
      assert.equal(fired, 0);
      mock.timers.tick(999);
      assert.equal(fired, 0);
      mock.timers.tick(1);
      assert.equal(fired, 1);
      const never = startTimer(() => fired++, Number.POSITIVE_INFINITY);
      mock.timers.tick(maxTimerMs * 3);
      assert.equal(fired, 1, 'Infinity never fires');
      never.clear();
      const cleared = startTimer(() => fired++, maxTimerMs * 2);
      mock.timers.tick(maxTimerMs + 5);
      cleared.clear();
      mock.timers.tick(maxTimerMs * 2);
      assert.equal(fired, 1, 'a timer cleared between its steps stays cleared');
    } finally {
      mock.timers.reset();
    }
  });

  it('neither fires early nor warns of an overflow on real timers, and sleeps that long can still be cancelled', async () => {
    let fired = false;
    const warnings = await warningsDuring(async () => {
      const timer = startTimer(() => (fired = true), 2 ** 40);
      const { signal, clear } = timeoutSignal(2 ** 40, () => new Error('timed out'));
      const controller = new AbortController();
      const sleeping = systemClock.sleep(99_999 * 3_600_000, controller.signal);
      // Long enough for a timer that overflowed (to 1 ms) to have fired.
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(signal.aborted, false);
      controller.abort(new Error('cancelled'));
      await assert.rejects(sleeping, /cancelled/);
      timer.clear();
      clear();
    });
    assert.equal(fired, false);
    assert.deepEqual(warnings.filter((warning) => warning.name === 'TimeoutOverflowWarning'), []);
  });

  it('fires a negative or unreadable delay on the next turn', async () => {
    const fired: string[] = [];
    startTimer(() => fired.push('negative'), -5);
    startTimer(() => fired.push('NaN'), Number.NaN);
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(fired.sort(), ['NaN', 'negative']);
  });
});
