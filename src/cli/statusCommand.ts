/**
 * `llmbatch status`: lists the recorded batch jobs with their current status,
 * collects the answers of finished jobs into the cache, and with `--wait`
 * follows the jobs until they finish and writes the results like `run`.
 */
import { relative, resolve } from 'node:path';
import { formatBatchOutputLine } from '../core/batchFile/batchJsonl';
import type { RefreshReport } from '../core/batchApi/batchJobs';
import type { SubmissionRecord } from '../core/batchApi/jobState';
import { isSubmissionDone, summarizeSubmission } from '../core/batchApi/jobResults';
import type { StatusOptions } from './batchArgs';
import type { BatchSetup } from './batchSetup';
import { withBatchSetup } from './batchSetup';
import { checkResults, closeResults, openResults } from './resultsOutput';
import { scoreCollected } from './collectedScoring';
import { exitCodeFor, expectationReport } from './expectSummary';
import type { CliIo } from './io';
import { exitCodes } from './io';
import { lineWriter } from './lineWriter';

export async function statusCommand(options: StatusOptions, io: CliIo): Promise<number> {
  const say = lineWriter(io.stderr);
  return withBatchSetup(options, io, resolve(io.cwd, 'batch'), say, (setup) => follow(options, io, setup, say));
}

async function follow(options: StatusOptions, io: CliIo, setup: BatchSetup, say: (line: string) => void): Promise<number> {
  const { jobs } = setup;
  // Checked before waiting, possibly for hours, for results that could not be written.
  const output = checkResults(options.out, io);
  if ('refused' in output) {
    say(`llmbatch: cannot write ${options.out}: ${output.refused}`);
    return exitCodes.usage;
  }
  const stateName = relative(io.cwd, setup.stateFile) || setup.stateFile;
  let recorded: SubmissionRecord[];
  try {
    recorded = await jobs.list();
  } catch (error) {
    say(`llmbatch: ${error instanceof Error ? error.message : String(error)}`);
    return exitCodes.usage;
  }
  const chosen = options.id === undefined ? undefined : recorded.find((s) => s.id === options.id || s.jobs.some((job) => job.id === options.id));
  if (options.id !== undefined && !chosen) {
    say(`llmbatch: no submission or batch job ${options.id} is recorded in ${stateName}`);
    return exitCodes.usage;
  }
  if (recorded.length === 0) {
    say(`llmbatch: no batch jobs are recorded in ${stateName} (\`llmbatch submit <file>\` creates them)`);
    return options.wait || options.out ? exitCodes.usage : exitCodes.ok;
  }
  const ids = chosen ? [chosen.id] : undefined;
  const shown = new Map<string, string>();
  let report: RefreshReport;
  try {
    report = options.wait
      ? await jobs.wait({
          ...(ids && { submissionIds: ids }),
          ...(io.signal && { signal: io.signal }),
          onUpdate: (update) => {
            if (options.quiet) return;
            for (const submission of update.submissions) {
              const line = summarizeSubmission(submission);
              if (shown.get(submission.id) !== line) say(`llmbatch: ${submission.id}: ${line}`);
              shown.set(submission.id, line);
            }
          },
        })
      : await jobs.refresh({ ...(ids && { submissionIds: ids }), ...(io.signal && { signal: io.signal }) });
  } catch (error) {
    if (io.signal?.aborted) {
      say('llmbatch: stopped following; the jobs keep running (`llmbatch status` picks them up again)');
      return exitCodes.someFailed;
    }
    throw error;
  }
  const seen = new Set<string>();
  for (const problem of report.problems) {
    if (seen.has(problem.message)) continue;
    seen.add(problem.message);
    say(`llmbatch: ${problem.submissionId}: ${problem.message}`);
  }
  const listing = report.submissions.flatMap((submission) => describe(submission, io.cwd));
  // With --wait the results may go to stdout, so the listing moves aside.
  if (!options.wait) listing.forEach(lineWriter(io.stdout));
  else if (!options.quiet) listing.forEach(say);

  if (!options.wait && options.out === undefined) return report.problems.some((p) => p.permanent) ? exitCodes.someFailed : exitCodes.ok;
  const target = chosen ?? report.submissions[report.submissions.length - 1]!;
  const current = report.submissions.find((submission) => submission.id === target.id) ?? target;
  if (!isSubmissionDone(current)) {
    say(`llmbatch: ${current.id} has not finished; no results were written (\`llmbatch status --wait\` waits for it)`);
    return exitCodes.someFailed;
  }
  const results = await jobs.results(current.id);
  const writer = await openResults(output, options.out, io, say, { quiet: options.quiet, ...(io.signal && { signal: io.signal }) });
  if (writer === 'cancelled' || 'refused' in writer) {
    if (writer !== 'cancelled') say(`llmbatch: cannot write ${options.out}: ${writer.refused}`);
    say(`llmbatch: the answers are in the cache: \`llmbatch status ${current.id} --out FILE\` writes them`);
    return writer === 'cancelled' ? exitCodes.someFailed : exitCodes.usage;
  }
  const file = relative(io.cwd, current.file) || current.file;
  const scores = await scoreCollected(current.file, results, file);
  for (const result of results) {
    const outcome = scores?.outcomes.get(result.index);
    writer.add(result.index, formatBatchOutputLine(result, outcome && { expect: outcome }));
  }
  const outputProblems = await closeResults(writer, 'the answers are in the cache');
  const failed = results.filter((result) => !result.ok);
  if (!options.quiet) {
    const report = scores && expectationReport(scores.scoring, undefined);
    const passed = report ? ` · ${report.summary.join(' · ')}` : '';
    say(`llmbatch: ${current.id}: ${results.length - failed.length} answered, ${failed.length} without an answer${passed}${options.out && outputProblems.length === 0 ? ` → ${options.out}` : ''}`);
    for (const line of report?.scoreboard ?? []) say(line);
    for (const result of failed.slice(0, 10)) if (!result.ok) say(`  ${result.id}: ${result.error.code}: ${result.error.message}`);
    if (failed.length > 10) say(`  … and ${failed.length - 10} more`);
    if (failed.length) say(`llmbatch: \`llmbatch run ${file}\` sends just these ${failed.length} live; the answered ones come from the cache`);
  }
  for (const line of outputProblems) say(line);
  if (outputProblems.length > 0) return exitCodes.outputFailed;
  return exitCodeFor(failed.length, scores?.scoring.counts, options.minPassRate);
}

/** The lines listing a submission and its jobs. */
function describe(submission: SubmissionRecord, cwd: string): string[] {
  const when = new Date(submission.createdAt).toISOString().slice(0, 16).replace('T', ' ');
  const head = `${submission.id}  ${relative(cwd, submission.file) || submission.file}  ${when} UTC  ${summarizeSubmission(submission)}`;
  const jobs = submission.jobs.map((job) => {
    const counts = job.counts && job.counts.total > 0 ? `, ${job.counts.completed} done, ${job.counts.failed} failed` : '';
    return `  ${job.id}  ${job.status}  ${job.requestCount} request${job.requestCount === 1 ? '' : 's'}${counts}${job.error ? ` — ${job.error}` : ''}`;
  });
  return [head, ...jobs];
}
