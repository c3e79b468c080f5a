import type { Clock } from '../../../src/core/engine/clock';
import type { LLMRequest } from '../../../src/core/models';
import { llmRequestSchema } from '../../../src/core/models';
import { TokenEstimator } from '../../../src/core/rateLimit/tokenEstimate';

interface Sleeper {
  readonly at: number;
  readonly resolve: () => void;
}

/** A clock that only moves when the test says so; sleeps end as it passes their time. */
export function manualClock(start = 0): { clock: Clock; advance: (ms: number) => Promise<void>; now: () => number } {
  let now = start;
  const sleepers: Sleeper[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const sleeper: Sleeper = { at: now + Math.max(0, ms), resolve };
        sleepers.push(sleeper);
        signal?.addEventListener(
          'abort',
          () => {
            const at = sleepers.indexOf(sleeper);
            if (at !== -1) sleepers.splice(at, 1);
            reject(signal.reason);
          },
          { once: true },
        );
      }),
  };
  const advance = async (ms: number) => {
    const target = now + ms;
    for (;;) {
      await settle();
      let next: Sleeper | undefined;
      for (const sleeper of sleepers) if (sleeper.at <= target && (!next || sleeper.at < next.at)) next = sleeper;
      if (!next) break;
      sleepers.splice(sleepers.indexOf(next), 1);
      now = Math.max(now, next.at);
      next.resolve();
    }
    now = target;
    await settle();
  };
  return { clock, advance, now: () => now };
}

/** Lets every pending promise callback run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A request whose prompt is `words` words long and that may produce `completion` tokens. */
export function wordyRequest(words: number, completion: number): LLMRequest {
  return llmRequestSchema.parse({
    provider: 'openai',
    model: 'gpt-test',
    max_completion_tokens: completion,
    messages: [{ role: 'user', content: Array.from({ length: words }, (_, i) => `w${i}`).join(' ') }],
  });
}

/** An estimator that counts one token per word and is ready at once, so costs are easy to reckon. */
export async function wordEstimator(): Promise<TokenEstimator> {
  const estimator = new TokenEstimator({ load: async () => (text) => (text.trim() === '' ? 0 : text.trim().split(/\s+/).length) });
  await estimator.ready();
  return estimator;
}

/** Headers from a plain record. */
export function headers(values: Record<string, string>): Headers {
  return new Headers(values);
}
