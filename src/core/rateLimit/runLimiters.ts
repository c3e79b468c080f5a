/**
 * The rate limiters one run sends through: looked up once per provider, asked
 * how long the soonest held-back request still waits and for what (for the
 * progress line), and heard for what they tell the log while the run lasts.
 */
import type { Provider } from '../providers/provider';
import type { RateLimiter } from './rateLimiter';
import type { RateLimitNotice } from './rateLimitNotices';
import type { RateLimitWait } from './rateLimitWait';

export interface RunLimiters {
  /** Absent when the run has no rate limiting. */
  readonly limiterFor?: (provider: Provider) => RateLimiter | undefined;
  /** The soonest a held-back request may go, and what it waits for; undefined while none waits. */
  wait(): { readonly ms: number; readonly reason?: RateLimitWait } | undefined;
  /** Stops hearing the limiters: the run is over. */
  dispose(): void;
}

export function runLimiters(rateLimiter: ((provider: Provider) => RateLimiter | undefined) | undefined, onNotice: (notice: RateLimitNotice) => void): RunLimiters {
  if (!rateLimiter) return { wait: () => undefined, dispose: () => undefined };
  const byProvider = new Map<Provider, RateLimiter | undefined>();
  // Each limiter used, with the way to stop hearing it.
  const used = new Map<RateLimiter, () => void>();
  return {
    limiterFor: (provider) => {
      if (byProvider.has(provider)) return byProvider.get(provider);
      const limiter = rateLimiter(provider);
      byProvider.set(provider, limiter);
      if (limiter && !used.has(limiter)) used.set(limiter, limiter.onNotice(onNotice));
      return limiter;
    },
    wait: () => {
      let soonest: { ms: number; reason?: RateLimitWait } | undefined;
      for (const limiter of used.keys()) {
        const ms = limiter.waitingMs();
        const reason = limiter.waitingFor;
        if (ms !== undefined && (soonest === undefined || ms < soonest.ms)) soonest = { ms, ...(reason && { reason }) };
      }
      return soonest;
    },
    dispose: () => {
      for (const stop of used.values()) stop();
    },
  };
}
