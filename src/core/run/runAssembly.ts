/**
 * The one place a run is put together, for the editor and the command line:
 * the providers a file's requests go to (with their keys), the budgets, the
 * rate limiters, the cache and the engine settings, joined into the
 * `RequestManager` that sends them. Each host brings its own inputs (settings
 * or flags, its key store, its log) and keeps only its own UI.
 */
import type { BatchItem } from '../models';
import type { RunScoring } from '../expect/runScoring';
import type { CacheProvider } from '../cache/cacheProvider';
import type { ProviderSetup, ProviderSetupOptions, ReadyProviders } from '../endpoints/providerSetup';
import { setUpProviders } from '../endpoints/providerSetup';
import type { LogEntry } from '../engine/logEntry';
import { RequestManager } from '../engine/requestManager';
import type { RateLimiterRegistry } from '../rateLimit/rateLimiterRegistry';
import type { BudgetSources } from './runBudgets';
import { budgetsFor } from './runBudgets';

/** How the engine sends: the host's settings or flags. */
export interface RunEngineSettings {
  readonly concurrency?: number | undefined;
  readonly timeoutMs?: number | undefined;
  readonly retryAttempts?: number | undefined;
  readonly retryDelayMs?: number | undefined;
}

export interface RunAssemblyOptions {
  readonly engine: RunEngineSettings;
  readonly budgets: BudgetSources;
  /** The host's registry, so limits learnt from one run's answers pace the next run to the same key. */
  readonly rateLimits: RateLimiterRegistry;
  readonly cache?: CacheProvider | undefined;
  readonly onLog?: ((entry: LogEntry) => void) | undefined;
  /** A scored run: grader requests go to the endpoint of the request they grade (or `@judge_provider`'s). */
  readonly scoring?: RunScoring | undefined;
}

/** Resolves every planned item's endpoint and key; any problem refuses the whole run, so half a batch is never sent. */
export function prepareProviders(planned: Iterable<BatchItem>, endpoints: ProviderSetupOptions, scoring?: RunScoring): Promise<ProviderSetup> {
  // Grader endpoints are planned with the run's own, so a judge's missing key refuses the run up front.
  return setUpProviders(scoring ? withGraders(planned, scoring.plannedGraderItems()) : planned, endpoints);
}

function* withGraders(items: Iterable<BatchItem>, graders: readonly BatchItem[]): Iterable<BatchItem> {
  yield* items;
  yield* graders;
}

/** The engine for a run whose providers are ready. */
export function assembleRun(providers: ReadyProviders, options: RunAssemblyOptions): RequestManager {
  const { scoring } = options;
  const providerFor = scoring ? (request: Parameters<typeof providers.providerFor>[0]) => providers.providerFor(scoring.routeOf(request)) : providers.providerFor;
  return new RequestManager(providerFor, {
    // Picked one by one: hosts pass their whole settings or flags object.
    concurrency: options.engine.concurrency,
    timeoutMs: options.engine.timeoutMs,
    retryAttempts: options.engine.retryAttempts,
    retryDelayMs: options.engine.retryDelayMs,
    ...(options.cache && { cache: options.cache }),
    rateLimiter: options.rateLimits.forRun(budgetsFor(providers.endpoints, options.budgets)),
    ...(options.onLog && { onLog: options.onLog }),
  });
}
