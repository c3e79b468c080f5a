/**
 * `llmbatch submit` and `llmbatch cancel`: hand a file's requests to the
 * provider's Batch API, or stop a job. The input is checked exactly as `run`
 * checks it, and nothing is uploaded when anything is wrong.
 */
import { relative, resolve } from 'node:path';
import { cliProfiles } from '../core/endpoints/profiles';
import { setUpProviders } from '../core/endpoints/providerSetup';
import { SubmitError } from '../core/batchApi/batchJobs';
import { batchApiLimits, JobInputError } from '../core/batchApi/jobInput';
import { estimateCost, formatUsd } from '../core/pricing';
import type { CancelOptions, SubmitOptions } from './batchArgs';
import { withBatchSetup } from './batchSetup';
import type { CliIo } from './io';
import { exitCodes, formatDiagnostic } from './io';
import { readCheckedBatch } from './checkedInput';
import { lineWriter } from './lineWriter';

export async function submitCommand(options: SubmitOptions, io: CliIo): Promise<number> {
  const inputPath = resolve(io.cwd, options.input);
  const shownName = relative(io.cwd, inputPath) || options.input;
  const say = lineWriter(io.stderr);
  const items = readCheckedBatch(inputPath, shownName, 'openai', 'submitted', say);
  if (items === undefined) return exitCodes.usage;

  const profiles = cliProfiles({ apiBase: options.apiBase, env: io.env });
  const ready = await setUpProviders(items.items, {
    profiles,
    apiBaseOf: items.apiBaseOf,
    providerRangeOf: items.providerRangeOf,
    findKey: async (endpoint) => (endpoint.apiKeyEnv ? io.env[endpoint.apiKeyEnv] || undefined : undefined),
  });
  if (!ready.ok) {
    if (ready.reason === 'endpoint') for (const problem of ready.problems) say(formatDiagnostic({ ...problem, range: { ...problem.range, file: undefined } }, shownName));
    else say(`llmbatch: no API key for provider "${ready.endpoint.profile}": set ${ready.endpoint.apiKeyEnv ?? 'its key'}, or use --api-base for a server that needs none`);
    say('llmbatch: nothing was submitted');
    return exitCodes.usage;
  }
  const [endpoint, ...others] = ready.endpoints;
  if (!endpoint || others.length > 0 || endpoint.kind !== 'openai') {
    const names = ready.endpoints.map((e) => `${e.profile} (${e.apiBase})`).join(', ');
    say(`llmbatch: a batch job goes to one OpenAI-compatible Batch API; ${shownName} sends to ${names}. Nothing was submitted.`);
    return exitCodes.usage;
  }

  const limits = { ...batchApiLimits, ...(options.maxPerJob !== undefined && { maxRequests: options.maxPerJob }) };
  return withBatchSetup({ ...options, limits }, io, inputPath, say, async (setup) => {
    try {
      const submission = await setup.jobs.submit(items.items, {
        file: inputPath,
        endpoint: { profile: endpoint.profile, apiBase: endpoint.apiBase },
        identity: ready.providerFor(items.items[0]!.request).identity,
        ...(io.signal && { signal: io.signal }),
        onJob: (job) => lineWriter(io.stdout)(job.id),
      });
      const sentIds = new Set(submission.requests.filter(([, , job]) => job >= 0).map(([id]) => id));
      const cached = items.items.length - sentIds.size;
      if (sentIds.size === 0) {
        say(`llmbatch: all ${items.items.length} requests of ${shownName} are already answered in the cache; nothing was submitted`);
        return exitCodes.ok;
      }
      if (!options.quiet) {
        const count = submission.jobs.length;
        say(`llmbatch: submitted ${sentIds.size} request${sentIds.size === 1 ? '' : 's'} in ${count} job${count === 1 ? '' : 's'} to ${endpoint.apiBase}${cached ? ` (${cached} already cached, not sent)` : ''} · submission ${submission.id}`);
        const estimate = estimateCost(items.items.filter((item) => sentIds.has(item.id)));
        if (estimate.batchUsd !== undefined && estimate.usd !== undefined) {
          const partial = estimate.pricedRequests < estimate.requests ? ` for the ${estimate.pricedRequests} priced requests` : '';
          say(`llmbatch: estimated cost at most ${formatUsd(estimate.batchUsd)} through the Batch API (${formatUsd(estimate.usd)} live)${partial}`);
        }
        say(`llmbatch: results within 24 h; \`llmbatch status --wait\` collects them into the cache (jobs are recorded in ${relative(io.cwd, setup.stateFile) || setup.stateFile})`);
      }
      return exitCodes.ok;
    } catch (error) {
      if (error instanceof JobInputError) {
        say(`llmbatch: ${shownName}: ${error.message}; nothing was submitted`);
        return exitCodes.usage;
      }
      if (error instanceof SubmitError) {
        say(`llmbatch: ${error.message}`);
        return error.submission ? exitCodes.someFailed : exitCodes.usage;
      }
      throw error;
    }
  });
}

export async function cancelCommand(options: CancelOptions, io: CliIo): Promise<number> {
  const say = lineWriter(io.stderr);
  return withBatchSetup(options, io, resolve(io.cwd, 'batch'), say, async (setup) => {
    try {
      const known = (await setup.jobs.list()).some((submission) => submission.jobs.some((job) => job.id === options.jobId));
      if (!known) {
        say(`llmbatch: no batch job ${options.jobId} is recorded in ${setup.stateFile}`);
        return exitCodes.usage;
      }
      const job = await setup.jobs.cancel(options.jobId, io.signal);
      lineWriter(io.stdout)(`${job.id}\t${job.status}`);
      return exitCodes.ok;
    } catch (error) {
      say(`llmbatch: cannot cancel ${options.jobId}: ${error instanceof Error ? error.message : String(error)}`);
      return exitCodes.someFailed;
    }
  });
}
