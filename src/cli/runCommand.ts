/**
 * `llmbatch run`: load a file, refuse it whole if anything is wrong with it,
 * otherwise send every request and write one result line per request in input
 * order.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { BatchItem } from '../core/models';
import type { Diagnostic } from '../core/diagnostics';
import { checkUtf8, decodeUtf8, fromBatchInput, isBatchJsonl, loadBatchText } from '../core/batchFile/loadBatch';
import type { LoadedBatch } from '../core/batchFile/loadBatch';
import { formatBatchOutputLine, readBatchInputLazily } from '../core/batchFile/batchJsonl';
import type { BatchItemList } from '../core/batchFile/batchJsonl';
import { cliProfiles, OPENAI_BASE_URL, sameBaseUrl } from '../core/endpoints/profiles';
import { setUpProviders } from '../core/endpoints/providerSetup';
import { planEndpoints } from '../core/endpoints/endpointPlan';
import { RequestManager } from '../core/engine/requestManager';
import type { BatchRunResult } from '../core/engine/requestManager';
import { RunScoring } from '../core/expect/runScoring';
import { RateLimiterRegistry } from '../core/rateLimit/rateLimiterRegistry';
import type { CacheProvider } from '../core/cache/cacheProvider';
import type { JournalFileSystem } from '../core/cache/journalStore';
import { openCliCache } from './cacheSetup';
import type { RunOptions } from './args';
import type { OutputFileSystem } from './outputTarget';
import { checkResults, closeResults, openResults } from './resultsOutput';
import { createProgressBar, formatCount, formatDuration } from './progressBar';
import { printDryRun } from './dryRun';
import { exitCodeFor, expectationReport } from './expectSummary';
import { lineWriter } from './lineWriter';

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Aborts the run (Ctrl+C); finished answers are kept and written. */
  readonly signal?: AbortSignal;
  /** Where results are written; node's `fs` unless a test makes writes fail. */
  readonly outputFs?: OutputFileSystem;
  /** Where the disk cache is kept; node's `fs` unless a test makes writes fail. */
  readonly cacheFs?: JournalFileSystem;
}

/** Documented in the README and `--help`; `internal` (a bug) is set by the entry point. */
export const exitCodes = { ok: 0, someFailed: 1, usage: 2, internal: 3, outputFailed: 4 } as const;

/** `file:line:col: error: message`, 1-based, as compilers print them. */
export function formatDiagnostic(diagnostic: Diagnostic, fileName: string): string {
  const { startLine, startColumn } = diagnostic.range;
  return `${diagnostic.range.file ?? fileName}:${startLine + 1}:${startColumn + 1}: ${diagnostic.severity}: ${diagnostic.message}`;
}

/**
 * Reads and checks the input; prints every diagnostic (relative to `shownName`) and returns
 * undefined, after saying nothing was `done`, when the file cannot be read, is not UTF-8, has
 * errors or holds no requests.
 */
export function readCheckedBatch(inputPath: string, shownName: string, defaultProvider: string, done: 'sent' | 'submitted', say: (line: string) => void): LoadedBatch | undefined;
/** With `lazy`, Batch input items are read again from the file's bytes on each pass instead of being held (see `readBatchInputLazily`). */
export function readCheckedBatch(inputPath: string, shownName: string, defaultProvider: string, done: 'sent' | 'submitted', say: (line: string) => void, lazy: true): LoadedBatch<BatchItemList> | undefined;
export function readCheckedBatch(inputPath: string, shownName: string, defaultProvider: string, done: 'sent' | 'submitted', say: (line: string) => void, lazy = false): LoadedBatch<BatchItemList> | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(inputPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    say(`llmbatch: ${shownName}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(error)}`);
    return undefined;
  }
  const notUtf8 = (problem: { line: number; column: number; message: string }) => say(`${shownName}:${problem.line + 1}:${problem.column + 1}: error: ${problem.message}`);
  let batch: LoadedBatch<BatchItemList>;
  if (lazy && isBatchJsonl(inputPath)) {
    const checked = checkUtf8(bytes);
    if (!checked.ok) return void notUtf8(checked);
    const { items, diagnostics } = readBatchInputLazily(bytes, { fileName: inputPath, provider: defaultProvider });
    batch = fromBatchInput(items, diagnostics);
  } else {
    const decoded = decodeUtf8(bytes);
    if (!decoded.ok) return void notUtf8(decoded);
    batch = loadBatchText(decoded.text, { fileName: inputPath, defaultProvider });
  }
  for (const diagnostic of batch.diagnostics) say(formatDiagnostic({ ...diagnostic, range: { ...diagnostic.range, file: undefined } }, shownName));
  const errors = batch.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) {
    say(`llmbatch: ${errors} error${errors === 1 ? '' : 's'} in ${shownName}; nothing was ${done}`);
    return undefined;
  }
  if (batch.items.length === 0) {
    say(`llmbatch: ${shownName} has no requests; nothing was ${done}`);
    return undefined;
  }
  return batch;
}

/**
 * The default cache lives with the project: the nearest folder above the input
 * holding `.git` or `package.json`, else the input's own folder.
 */
export function defaultCacheDir(inputPath: string): string {
  const start = dirname(inputPath);
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git')) || existsSync(join(dir, 'package.json'))) return join(dir, '.llmbatch-cache');
    if (dirname(dir) === dir) return join(start, '.llmbatch-cache');
  }
}

export async function runCommand(options: RunOptions, io: CliIo): Promise<number> {
  const inputPath = resolve(io.cwd, options.input);
  const shownName = relative(io.cwd, inputPath) || options.input;
  const say = lineWriter(io.stderr);

  const batch = readCheckedBatch(inputPath, shownName, options.provider ?? 'openai', 'sent', say, true);
  if (batch === undefined) return exitCodes.usage;
  const target = checkResults(options.out, io);
  if ('refused' in target) {
    say(`llmbatch: cannot write ${options.out}: ${target.refused}`);
    say('llmbatch: nothing was sent');
    return exitCodes.usage;
  }
  // --provider sends everything through one provider, e.g. `echo` to try a file offline.
  const items = options.provider ? mapItems(batch.items, (item) => ({ ...item, request: { ...item.request, provider: options.provider! } })) : batch.items;
  // Every line of a Batch input file goes to the same provider, so its first line plans them all
  // (a pass over every line would make each item once more just for that).
  const planned = batch.kind === 'jsonl' ? firstOf(items) : items;
  // Only .llmbatch files have expect: lines; grader requests go where --provider sends everything.
  const scoring = batch.kind === 'llmbatch' && !options.dryRun ? await RunScoring.forItems(items, { provider: options.provider }) : undefined;

  const key = io.env.OPENAI_API_KEY || undefined;
  let profiles = cliProfiles({ apiBase: options.apiBase, env: io.env });
  const openaiBase = profiles.openai?.baseUrl ?? OPENAI_BASE_URL;
  // A local OpenAI-compatible server (Ollama, vLLM, a mock) usually needs no key; OpenAI itself always does.
  if (!key && !sameBaseUrl(openaiBase, OPENAI_BASE_URL)) profiles = { ...profiles, openai: { ...profiles.openai, requiresKey: false } };
  if (options.dryRun) {
    // Nothing is sent, so no key is needed; endpoint problems are still errors.
    const plan = planEndpoints(planned, { profiles, apiBaseOf: options.provider ? undefined : batch.apiBaseOf, providerRangeOf: batch.providerRangeOf });
    for (const problem of plan.problems) say(formatDiagnostic({ ...problem, range: { ...problem.range, file: undefined } }, shownName));
    if (plan.problems.length > 0) return exitCodes.usage;
    printDryRun([...items], plan.groups.map((group) => group.endpoint), io.stdout);
    return exitCodes.ok;
  }

  const ready = await setUpProviders(scoring ? withExtra(planned, scoring.plannedGraderItems()) : planned, {
    profiles,
    apiBaseOf: options.provider ? undefined : batch.apiBaseOf,
    providerRangeOf: batch.providerRangeOf,
    // The CLI holds one key per profile, from the environment; OPENAI_API_KEY goes only to the openai profile's base URL.
    findKey: async (endpoint) => (endpoint.apiKeyEnv ? io.env[endpoint.apiKeyEnv] || undefined : undefined),
  });
  if (!ready.ok) {
    if (ready.reason === 'endpoint') {
      for (const problem of ready.problems) say(formatDiagnostic({ ...problem, range: { ...problem.range, file: undefined } }, shownName));
    } else {
      const hint = ready.endpoint.profile === 'openai' ? ', or use --api-base for a server that needs none, or --provider echo to try the file offline' : '';
      say(`llmbatch: no API key for provider "${ready.endpoint.profile}": set ${ready.endpoint.apiKeyEnv ?? 'its key'}${hint}`);
    }
    say('llmbatch: nothing was sent');
    return exitCodes.usage;
  }

  const cacheDir = options.cache ? resolve(io.cwd, options.cacheDir ?? defaultCacheDir(inputPath)) : undefined;
  let cacheWarned = false;
  let cache: CacheProvider | undefined;
  try {
    cache = cacheDir ? openCliCache({ ...options, ttlMs: options.cacheTtlMs, fs: io.cacheFs }, cacheDir, io.env, (message) => !options.quiet && say(`llmbatch: warning: ${message}`)) : undefined;
  } catch (error) {
    say(`llmbatch: ${error instanceof Error ? error.message : String(error)}`);
    say('llmbatch: nothing was sent');
    return exitCodes.usage;
  }
  const endpoints = ready.endpoints;
  const stderrTty = 'isTTY' in io.stderr && io.stderr.isTTY === true;
  const bar = stderrTty && !options.quiet ? createProgressBar(io.stderr as NodeJS.WriteStream) : undefined;
  // Stops the run when results can be written nowhere: what came next would be paid for and lost.
  const stop = new AbortController();
  io.signal?.addEventListener('abort', () => stop.abort(io.signal?.reason), { once: true });
  const providerFor = ready.providerFor;
  const manager = new RequestManager(scoring ? (request) => providerFor(scoring.routeOf(request)) : providerFor, {
    concurrency: options.concurrency,
    timeoutMs: options.timeoutMs,
    retryAttempts: options.retryAttempts,
    retryDelayMs: options.retryDelayMs,
    ...(cache && { cache }),
    // Budgets: the command line, else the file's @rpm/@tpm, else the profile's; the server's own announcements apply regardless.
    rateLimiter: new RateLimiterRegistry().forRun((provider) => {
      const endpoint = endpoints.find((candidate) => candidate.profile === provider.id);
      return { rpm: options.rpm ?? batch.rateLimits?.rpm ?? endpoint?.rpm, tpm: options.tpm ?? batch.rateLimits?.tpm ?? endpoint?.tpm };
    }),
    onLog: (entry) => {
      if (options.quiet) return;
      // What holds the run back, or what a server sent that was not believed, is said as it happens (once each).
      if (entry.topic === 'rateLimit') {
        bar?.done();
        say(`llmbatch: ${entry.level === 'warn' ? 'warning: ' : ''}${entry.message}`);
      }
      // A broken cache costs money, not answers: say it once, keep going.
      if (entry.level === 'warn' && /cache/i.test(entry.message) && !cacheWarned) {
        cacheWarned = true;
        say(`llmbatch: warning: ${entry.message}`);
      }
    },
  });

  const writer = await openResults(target, options.out, io, say, { quiet: options.quiet, ...(io.signal && { signal: io.signal }), onNowhere: () => stop.abort(new Error('results cannot be written')) });
  if (writer === 'cancelled' || 'refused' in writer) {
    if (writer !== 'cancelled') say(`llmbatch: cannot write ${options.out}: ${writer.refused}`);
    say('llmbatch: nothing was sent');
    await cache?.close();
    return writer === 'cancelled' ? exitCodes.someFailed : exitCodes.usage;
  }
  const run = await manager.processBatch(items, {
    signal: stop.signal,
    ...(bar && { onProgress: (event) => bar.update(event) }),
    onResult: (result, item) => {
      const outcome = scoring?.take(result, item);
      // An answer waiting for its grader is written once graded.
      if (outcome !== 'waiting') writer.add(result.index, formatBatchOutputLine(result, outcome && { expect: outcome }));
    },
    keepResults: false,
  });
  bar?.done();
  let graders: BatchRunResult | undefined;
  if (scoring) {
    const judgeBar = stderrTty && !options.quiet ? createProgressBar(io.stderr as NodeJS.WriteStream, 'judge') : undefined;
    graders = await scoring.grade(manager, { signal: stop.signal, ...(judgeBar && { onProgress: (event) => judgeBar.update(event) }) }, (result, outcome) =>
      writer.add(result.index, formatBatchOutputLine(result, { expect: outcome })),
    );
    judgeBar?.done();
  }
  const outputProblems = await closeResults(writer, cache ? 'the run was stopped; the answers received are in the cache, so the same command again writes them without sending them again' : 'the run was stopped');
  await cache?.close();

  const failed = run.failures.length;
  if (!options.quiet) {
    const { stats } = run;
    const tokens = stats.promptTokens + stats.completionTokens;
    const parts = [
      `${items.length} request${items.length === 1 ? '' : 's'}`,
      `${failed} failed`,
      `${stats.cacheHits} cached`,
      `${formatCount(tokens)} tokens (${formatCount(stats.promptTokens)} prompt + ${formatCount(stats.completionTokens)} completion)`,
      formatDuration(run.wallTimeMs),
    ];
    if (stats.rateLimited429s > 0) parts.push(`${stats.rateLimited429s} × 429`);
    if (run.cancelled) parts.push('cancelled');
    const report = scoring && expectationReport(scoring, graders);
    if (report) parts.push(...report.summary);
    say(`llmbatch: ${parts.join(' · ')}${options.out && outputProblems.length === 0 ? ` → ${options.out}` : ''}`);
    for (const line of report?.scoreboard ?? []) say(line);
    const failures = run.failures.filter((result) => !result.ok && result.error.code !== 'cancelled');
    for (const result of failures.slice(0, maxShownFailures)) {
      if (!result.ok) say(`  ${result.id}: ${result.error.code}: ${result.error.message}`);
    }
    if (failures.length > maxShownFailures) say(`  … and ${failures.length - maxShownFailures} more (see the error field of each line)`);
  }
  // Said last, whatever --quiet says: these are the lines to act on.
  for (const line of outputProblems) say(line);
  if (outputProblems.length > 0) return exitCodes.outputFailed;
  return exitCodeFor(failed, scoring?.counts, options.minPassRate);
}

const maxShownFailures = 10;

function mapItems(items: BatchItemList, change: (item: BatchItem) => BatchItem): BatchItemList {
  return {
    length: items.length,
    *[Symbol.iterator]() {
      for (const item of items) yield change(item);
    },
  };
}

function* withExtra(items: Iterable<BatchItem>, extra: readonly BatchItem[]): Iterable<BatchItem> {
  yield* items;
  yield* extra;
}

function firstOf(items: BatchItemList): BatchItem[] {
  for (const item of items) return [item];
  return [];
}
