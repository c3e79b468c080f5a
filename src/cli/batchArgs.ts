/**
 * Command-line parsing of the Batch API commands: `submit`, `status` and
 * `cancel`. Like `args.ts` it touches neither the network nor the disk.
 */
import { parseArgs } from 'node:util';
import type { CacheBackendOptions } from './cacheSetup';
import { parseCacheBackend } from './cacheSetup';

export const batchUsage = `Batch API (half the price, results within 24 h):
  llmbatch submit <input> [--max-per-job N] [--api-base URL] [--cache-dir DIR]
      uploads the requests not already cached as OpenAI Batch API jobs and
      prints their ids; answers are cached when the jobs finish
  llmbatch status [<id>] [--wait] [--out FILE] [--poll-interval SEC] [--min-pass-rate R]
      lists recorded jobs; --wait polls until they finish, caches their answers
      and writes the results of the latest submission (or <id>) like run does,
      scored by the expect: lines of its file
  llmbatch cancel <job-id>
  These take --api-base, --cache-dir and the cache backend options of run;
  jobs are recorded in .llmbatch-jobs.json in the cache directory.`;

interface BatchCommonOptions extends CacheBackendOptions {
  readonly apiBase?: string;
  readonly cacheDir?: string;
  readonly cacheTtlMs?: number;
  readonly quiet: boolean;
}

export interface SubmitOptions extends BatchCommonOptions {
  readonly input: string;
  /** Requests per job; the Batch API's own limit (50 000) when unset. */
  readonly maxPerJob?: number;
}

export interface StatusOptions extends BatchCommonOptions {
  /** A submission or job id; default every job (and the latest submission for results). */
  readonly id?: string;
  readonly wait: boolean;
  readonly out?: string;
  readonly pollIntervalMs: number;
  /** As for `run`: with failed expectations, the pass rate (0–1) at which it still exits 0. */
  readonly minPassRate?: number;
}

export interface CancelOptions extends BatchCommonOptions {
  readonly jobId: string;
}

export type BatchCommand =
  | { readonly kind: 'submit'; readonly options: SubmitOptions }
  | { readonly kind: 'status'; readonly options: StatusOptions }
  | { readonly kind: 'cancel'; readonly options: CancelOptions };

export class BatchUsageError extends Error {}

const commands = new Set(['submit', 'status', 'cancel']);
const valueOptions = {
  out: { type: 'string', short: 'o' },
  'api-base': { type: 'string' },
  'cache-dir': { type: 'string' },
  'cache-ttl': { type: 'string' },
  'cache-backend': { type: 'string' },
  'redis-url': { type: 'string' },
  'cache-namespace': { type: 'string' },
  'max-per-job': { type: 'string' },
  'poll-interval': { type: 'string' },
  'min-pass-rate': { type: 'string' },
} as const;

/** The command word: the first argument that is neither an option nor an option's value. */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return argv[i + 1];
    if (!arg.startsWith('-')) return arg;
    const name = arg.replace(/^--?/, '');
    if (!arg.includes('=') && (Object.hasOwn(valueOptions, name) || name === 'o')) i++;
  }
  return undefined;
}

/** Whether `argv` is a Batch API command (and so belongs to `parseBatchCommandLine`). */
export function isBatchCommand(argv: readonly string[]): boolean {
  const word = commandWord(argv);
  return word !== undefined && commands.has(word);
}

export function parseBatchCommandLine(argv: readonly string[]): BatchCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { ...valueOptions, wait: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' } },
    });
  } catch (error) {
    throw new BatchUsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const [command, target, ...rest] = positionals;
  if (rest.length > 0) throw new BatchUsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  const apiBase = values['api-base'];
  if (apiBase !== undefined && !/^https?:\/\/[^/]/i.test(apiBase)) throw new BatchUsageError(`--api-base must be an http(s) URL (got ${JSON.stringify(apiBase)})`);
  const ttl = values['cache-ttl'];
  let backend: CacheBackendOptions;
  try {
    backend = parseCacheBackend({ backend: values['cache-backend'], redisUrl: values['redis-url'], namespace: values['cache-namespace'] });
  } catch (error) {
    throw new BatchUsageError(error instanceof Error ? error.message : String(error));
  }
  const common: BatchCommonOptions = {
    ...backend,
    ...(apiBase !== undefined && { apiBase }),
    ...(values['cache-dir'] !== undefined && { cacheDir: values['cache-dir'] }),
    ...(ttl !== undefined && { cacheTtlMs: positive('cache-ttl', ttl) * 1000 }),
    quiet: values.quiet ?? false,
  };
  const only = (allowed: readonly string[]) => {
    const extra = ['out', 'wait', 'max-per-job', 'poll-interval', 'min-pass-rate'].find((name) => !allowed.includes(name) && values[name as keyof typeof values] !== undefined);
    if (extra) throw new BatchUsageError(`--${extra} does not apply to ${command}`);
  };
  switch (command) {
    case 'submit': {
      only(['max-per-job']);
      if (target === undefined) throw new BatchUsageError('missing <input>: a .llmbatch file or OpenAI Batch input .jsonl');
      const max = values['max-per-job'];
      const maxPerJob = max === undefined ? undefined : positive('max-per-job', max);
      if (maxPerJob !== undefined && (!Number.isInteger(maxPerJob) || maxPerJob > 50_000)) throw new BatchUsageError(`--max-per-job must be a whole number from 1 to 50000 (got ${JSON.stringify(max)})`);
      return { kind: 'submit', options: { ...common, input: target, ...(maxPerJob !== undefined && { maxPerJob }) } };
    }
    case 'status': {
      only(['out', 'wait', 'poll-interval', 'min-pass-rate']);
      const poll = values['poll-interval'];
      const pollIntervalMs = (poll === undefined ? 5 : positive('poll-interval', poll)) * 1000;
      const rate = values['min-pass-rate'];
      const minPassRate = rate === undefined ? undefined : Number(rate);
      if (minPassRate !== undefined && (rate?.trim() === '' || !(minPassRate >= 0 && minPassRate <= 1))) throw new BatchUsageError(`--min-pass-rate must be a pass rate between 0 and 1 (got ${JSON.stringify(rate)})`);
      const out = { ...(values.out !== undefined && { out: values.out }), ...(minPassRate !== undefined && { minPassRate }) };
      return { kind: 'status', options: { ...common, ...(target !== undefined && { id: target }), wait: values.wait ?? false, ...out, pollIntervalMs } };
    }
    case 'cancel':
      only([]);
      if (target === undefined) throw new BatchUsageError('missing <job-id>: `llmbatch status` lists them');
      return { kind: 'cancel', options: { ...common, jobId: target } };
    default:
      throw new BatchUsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

function positive(name: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0) throw new BatchUsageError(`--${name} must be a number > 0 (got ${JSON.stringify(raw)})`);
  return value;
}
