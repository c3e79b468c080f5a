/**
 * One {@link RateLimiter} per endpoint and key, shared by everything that sends
 * to it: two blocks, two files or two runs at once draw on one budget instead
 * of each believing it has the whole limit. The owner (the extension, the CLI)
 * creates one registry and hands it to every run.
 */
import type { Clock } from '../engine/clock';
import type { BudgetOptions } from './budget';
import type { Provider } from '../providers/provider';
import type { RateLimits } from './rateLimiter';
import { RateLimiter } from './rateLimiter';
import { TokenEstimator } from './tokenEstimate';

export interface RateLimiterRegistryOptions {
  readonly clock?: Clock;
  readonly estimator?: TokenEstimator;
  readonly budget?: BudgetOptions;
  readonly probeTimeoutMs?: number;
}

export class RateLimiterRegistry {
  readonly #options: RateLimiterRegistryOptions;
  readonly #estimator: TokenEstimator;
  // Keyed by `Provider.rateLimitIdentity`, which holds a digest of the key, never the key.
  readonly #limiters = new Map<string, RateLimiter>();

  constructor(options: RateLimiterRegistryOptions = {}) {
    this.#options = options;
    this.#estimator = options.estimator ?? new TokenEstimator();
  }

  /**
   * The limiter `provider`'s requests count against, made on first use. When
   * `limits` is given it replaces the limiter's configured budgets (the latest
   * run to configure an endpoint sets them for everyone sending there).
   */
  limiterFor(provider: Provider, limits?: RateLimits): RateLimiter {
    const identity = provider.rateLimitIdentity;
    let limiter = this.#limiters.get(identity);
    if (!limiter) {
      limiter = new RateLimiter({ ...this.#options, estimator: this.#estimator, ...limits });
      this.#limiters.set(identity, limiter);
    } else if (limits) {
      limiter.configure(limits);
    }
    return limiter;
  }

  /**
   * A `rateLimiter` option for one run: each provider's limiter, configured
   * with the budgets `limitsOf` gives it (none: announced limits only).
   */
  forRun(limitsOf: (provider: Provider) => RateLimits | undefined = () => undefined): (provider: Provider) => RateLimiter {
    return (provider) => this.limiterFor(provider, limitsOf(provider) ?? {});
  }
}
