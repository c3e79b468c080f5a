/**
 * Command-line parsing for `llmbatch`. Usage errors carry the text printed to the
 * user; nothing here touches the network or the file system.
 */
import { parseArgs } from 'node:util';
import type { BatchCommand } from './batchArgs';
import { batchUsage, isBatchCommand, parseBatchCommandLine } from './batchArgs';
import type { CacheBackendOptions } from './cacheSetup';
import { cacheBackendUsage, parseCacheBackend } from './cacheSetup';

export const usage = `Usage: llmbatch run <input> [options]

Runs every request in <input> — a .llmbatch file or OpenAI Batch API input JSONL —
and writes one OpenAI Batch output line per request, in input order.

Options:
  --out FILE            write results to FILE instead of stdout (a regular file,
                        replaced when the run ends; a FIFO or device is streamed into)
  --concurrency N       requests in flight at most (default 100)
  --rpm N               requests per minute to stay under, per endpoint and key
                        (default: the file's @rpm, else the limits the server announces)
  --tpm N               tokens per minute to stay under, likewise (@tpm)
  --timeout SEC         per-attempt timeout in seconds (default 30)
  --retries N           retries after the first attempt (default 3)
  --retry-delay SEC     first backoff delay in seconds (default 1)
  --cache-dir DIR       cache directory (default: .llmbatch-cache in the project)
  --no-cache            neither read nor write the cache
  --cache-ttl SEC       cached answers older than this are sent again (default: never)
${cacheBackendUsage}
  --api-base URL        OpenAI-compatible base URL (default $OPENAI_BASE_URL,
                        else https://api.openai.com/v1); the only host that
                        receives $OPENAI_API_KEY
  --provider NAME       send every request through NAME: openai or echo (offline)
  --min-pass-rate R     exit 0 despite failed expectations while at least this
                        share (0–1) of the scored requests pass
  --dry-run             list the expanded requests and the estimated cost; send nothing
  --quiet               no progress bar and no summary
  -h, --help            show this help
  --version             show the version

Exit codes: 0 all answered · 1 some failed or cancelled · 2 usage or input error,
nothing sent · 3 internal error · 4 results could not be written where asked
(the message says where they are)

${batchUsage}`;

export interface RunOptions extends CacheBackendOptions {
  readonly input: string;
  readonly out?: string;
  readonly concurrency: number;
  /** Requests per minute to stay under; wins over a file's `@rpm` and a profile's `rpm`. */
  readonly rpm?: number;
  /** Tokens per minute to stay under; wins over a file's `@tpm` and a profile's `tpm`. */
  readonly tpm?: number;
  readonly timeoutMs: number;
  readonly retryAttempts: number;
  readonly retryDelayMs: number;
  readonly cacheDir?: string;
  readonly cache: boolean;
  readonly cacheTtlMs?: number;
  readonly apiBase?: string;
  readonly provider?: 'openai' | 'echo';
  readonly dryRun: boolean;
  readonly quiet: boolean;
  /** With failed expectations, the pass rate (0–1) at which the run still exits 0. */
  readonly minPassRate?: number;
}

export type Command = { readonly kind: 'help' } | { readonly kind: 'version' } | { readonly kind: 'run'; readonly options: RunOptions } | BatchCommand;

export class UsageError extends Error {}

function number(name: string, raw: string | undefined, fallback: number, check: (value: number) => boolean, expected: string): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || !check(value)) {
    throw new UsageError(`--${name} must be ${expected} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

export function parseCommandLine(argv: readonly string[]): Command {
  if (isBatchCommand(argv) && !argv.some((arg) => arg === '-h' || arg === '--help' || arg === '--version')) {
    try {
      return parseBatchCommandLine(argv);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string', short: 'o' },
        concurrency: { type: 'string' },
        rpm: { type: 'string' },
        tpm: { type: 'string' },
        timeout: { type: 'string' },
        retries: { type: 'string' },
        'retry-delay': { type: 'string' },
        'cache-dir': { type: 'string' },
        'no-cache': { type: 'boolean' },
        'cache-ttl': { type: 'string' },
        'cache-backend': { type: 'string' },
        'redis-url': { type: 'string' },
        'cache-namespace': { type: 'string' },
        'api-base': { type: 'string' },
        provider: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'min-pass-rate': { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const [command, input, ...rest] = positionals;
  if (command === undefined) throw new UsageError('missing command: try `llmbatch run <input>`');
  if (command !== 'run') throw new UsageError(`unknown command ${JSON.stringify(command)}: try \`llmbatch run <input>\``);
  if (input === undefined) throw new UsageError('missing <input>: a .llmbatch file or OpenAI Batch input .jsonl');
  if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  const provider = values.provider;
  if (provider !== undefined && provider !== 'openai' && provider !== 'echo') {
    throw new UsageError(`--provider must be openai or echo (got ${JSON.stringify(provider)})`);
  }
  if (values['no-cache'] && values['cache-dir'] !== undefined) throw new UsageError('--cache-dir and --no-cache cannot be used together');
  const apiBase = values['api-base'];
  if (apiBase !== undefined && !/^https?:\/\/[^/]/i.test(apiBase)) {
    throw new UsageError(`--api-base must be an http(s) URL (got ${JSON.stringify(apiBase)})`);
  }
  const ttl = values['cache-ttl'];
  let backend: CacheBackendOptions;
  try {
    backend = parseCacheBackend({ backend: values['cache-backend'], redisUrl: values['redis-url'], namespace: values['cache-namespace'] });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values['no-cache'] && backend.cacheBackend === 'redis') throw new UsageError('--cache-backend redis and --no-cache cannot be used together');
  return {
    kind: 'run',
    options: {
      ...backend,
      input,
      out: values.out,
      concurrency: number('concurrency', values.concurrency, 100, (v) => Number.isInteger(v) && v >= 1, 'a whole number ≥ 1'),
      ...(values.rpm !== undefined && { rpm: number('rpm', values.rpm, 0, (v) => v > 0, 'a number of requests per minute > 0') }),
      ...(values.tpm !== undefined && { tpm: number('tpm', values.tpm, 0, (v) => v > 0, 'a number of tokens per minute > 0') }),
      timeoutMs: number('timeout', values.timeout, 30, (v) => v > 0, 'a number of seconds > 0') * 1000,
      retryAttempts: number('retries', values.retries, 3, (v) => Number.isInteger(v) && v >= 0, 'a whole number ≥ 0'),
      retryDelayMs: number('retry-delay', values['retry-delay'], 1, (v) => v >= 0, 'a number of seconds ≥ 0') * 1000,
      cacheDir: values['cache-dir'],
      cache: !values['no-cache'],
      cacheTtlMs: ttl === undefined ? undefined : number('cache-ttl', ttl, 0, (v) => v > 0, 'a number of seconds > 0') * 1000,
      apiBase,
      provider,
      dryRun: values['dry-run'] ?? false,
      ...(values['min-pass-rate'] !== undefined && { minPassRate: number('min-pass-rate', values['min-pass-rate'], 0, (v) => v >= 0 && v <= 1, 'a pass rate between 0 and 1') }),
      quiet: values.quiet ?? false,
    },
  };
}
