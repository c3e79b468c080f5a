/**
 * `llmbatch run`: load a file, refuse it whole if anything is wrong with it,
 * otherwise send every request and write one result line per request in input
 * order.
 */
import { relative, resolve } from 'node:path';
import type { BatchItem } from '../core/models';
import { formatBatchOutputLine } from '../core/batchFile/batchJsonl';
import type { BatchItemList } from '../core/batchFile/batchJsonl';
import { cliProfiles } from '../core/endpoints/profiles';
import { planEndpoints } from '../core/endpoints/endpointPlan';
import { assembleRun, prepareProviders } from '../core/run/runAssembly';
import type { BatchRunResult } from '../core/engine/requestManager';
import { RunScoring } from '../core/expect/runScoring';
import { RateLimiterRegistry } from '../core/rateLimit/rateLimiterRegistry';
import type { CacheProvider } from '../core/cache/cacheProvider';
import type { CliIo } from './io';
import { defaultCacheDir, exitCodes, formatDiagnostic } from './io';
import { readCheckedBatch } from './checkedInput';
import { openCliCache } from './cacheSetup';
import type { RunOptions } from './args';
import type { OutputFileSystem } from './outputTarget';
import { checkResults, closeResults, openResults } from './resultsOutput';
import { createProgressBar, formatCount, formatDuration } from './progressBar';
import { printDryRun } from './dryRun';
import { exitCodeFor, expectationReport } from './expectSummary';
import { lineWriter } from './lineWriter';

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

  const profiles = cliProfiles({ apiBase: options.apiBase, env: io.env });
  if (options.dryRun) {
    // Nothing is sent, so no key is needed; endpoint problems are still errors.
    const plan = planEndpoints(planned, { profiles, apiBaseOf: options.provider ? undefined : batch.apiBaseOf, providerRangeOf: batch.providerRangeOf });
    for (const problem of plan.problems) say(formatDiagnostic({ ...problem, range: { ...problem.range, file: undefined } }, shownName));
    if (plan.problems.length > 0) return exitCodes.usage;
    printDryRun([...items], plan.groups.map((group) => group.endpoint), io.stdout);
    return exitCodes.ok;
  }

  const ready = await prepareProviders(planned, {
    profiles,
    apiBaseOf: options.provider ? undefined : batch.apiBaseOf,
    providerRangeOf: batch.providerRangeOf,
    // The CLI holds one key per profile, from the environment; OPENAI_API_KEY goes only to the openai profile's base URL.
    findKey: async (endpoint) => (endpoint.apiKeyEnv ? io.env[endpoint.apiKeyEnv] || undefined : undefined),
  }, scoring);
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
  const stderrTty = 'isTTY' in io.stderr && io.stderr.isTTY === true;
  const bar = stderrTty && !options.quiet ? createProgressBar(io.stderr as NodeJS.WriteStream) : undefined;
  // Stops the run when results can be written nowhere: what came next would be paid for and lost.
  const stop = new AbortController();
  io.signal?.addEventListener('abort', () => stop.abort(io.signal?.reason), { once: true });
  const manager = assembleRun(ready, {
    engine: options,
    budgets: { command: { rpm: options.rpm, tpm: options.tpm }, file: batch.rateLimits },
    rateLimits: new RateLimiterRegistry(),
    cache,
    scoring,
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

function firstOf(items: BatchItemList): BatchItem[] {
  for (const item of items) return [item];
  return [];
}
