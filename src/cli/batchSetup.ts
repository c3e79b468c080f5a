/**
 * What the Batch API commands share: where jobs are recorded, which cache
 * answers go to, and the rule that the key only travels to the configured
 * base URL — the same rule as `llmbatch run`.
 */
import { join, resolve } from 'node:path';
import type { CacheProvider } from '../core/cache/cacheProvider';
import type { EndpointProfiles } from '../core/endpoints/profiles';
import { cliProfiles } from '../core/endpoints/profiles';
import type { BatchApi } from '../core/batchApi/batchApiClient';
import { batchApiFor } from '../core/batchApi/batchEndpoint';
import { BatchJobs } from '../core/batchApi/batchJobs';
import type { JobLimits } from '../core/batchApi/jobInput';
import type { JobEndpoint } from '../core/batchApi/jobState';
import { FileJobStore, jobStateFileName } from '../core/batchApi/jobState';
import type { CacheBackendOptions } from './cacheSetup';
import { openCliCache } from './cacheSetup';
import type { CliIo } from './io';
import { defaultCacheDir, exitCodes } from './io';

export interface BatchSetupOptions extends CacheBackendOptions {
  readonly apiBase?: string;
  readonly cacheDir?: string;
  readonly cacheTtlMs?: number;
  readonly pollIntervalMs?: number;
  readonly limits?: JobLimits;
}

export interface BatchSetup {
  readonly jobs: BatchJobs;
  readonly cache: CacheProvider;
  readonly cacheDir: string;
  readonly stateFile: string;
  readonly profiles: EndpointProfiles;
}

/** The Batch API of a recorded endpoint, or why this invocation may not contact it (the key rule of `run`). */
export function connectFor(profiles: EndpointProfiles, env: Readonly<Record<string, string | undefined>>): (endpoint: JobEndpoint) => Promise<BatchApi | { refused: string }> {
  return (endpoint) =>
    batchApiFor(endpoint, {
      profiles,
      findKey: async (target) => (target.apiKeyEnv ? env[target.apiKeyEnv] || undefined : undefined),
      hint: (job) => `Pass --api-base ${job.apiBase} to follow them.`,
    });
}

/** Opens the job store and cache of `cacheDir` (default: the project's `.llmbatch-cache`). */
export function openBatchSetup(options: BatchSetupOptions, io: CliIo, anchor: string, warn: (message: string) => void): BatchSetup {
  const cacheDir = resolve(io.cwd, options.cacheDir ?? defaultCacheDir(anchor));
  const cache = openCliCache({ ...options, ttlMs: options.cacheTtlMs }, cacheDir, io.env, warn);
  const stateFile = join(cacheDir, jobStateFileName);
  const profiles = cliProfiles({ apiBase: options.apiBase, env: io.env });
  const jobs = new BatchJobs({
    store: new FileJobStore(stateFile),
    cache,
    connect: connectFor(profiles, io.env),
    ...(options.limits && { limits: options.limits }),
    ...(options.pollIntervalMs !== undefined && { pollIntervalMs: options.pollIntervalMs, maxPollIntervalMs: Math.max(options.pollIntervalMs, Math.min(60_000, options.pollIntervalMs * 12)) }),
  });
  return { jobs, cache, cacheDir, stateFile, profiles };
}

/**
 * Runs `work` with the setup and closes its cache afterwards. A setup that cannot be opened
 * (a cache that cannot be made) is said on stderr and is a usage error.
 */
export async function withBatchSetup(options: BatchSetupOptions, io: CliIo, anchor: string, say: (line: string) => void, work: (setup: BatchSetup) => Promise<number>): Promise<number> {
  let setup: BatchSetup;
  try {
    setup = openBatchSetup(options, io, anchor, (message) => say(`llmbatch: warning: ${message}`));
  } catch (error) {
    say(`llmbatch: ${error instanceof Error ? error.message : String(error)}`);
    return exitCodes.usage;
  }
  try {
    return await work(setup);
  } finally {
    await setup.cache.close();
  }
}
