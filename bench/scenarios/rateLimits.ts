/**
 * Scenario 8: a batch against a server that enforces 6 000 requests and
 * 400 000 tokens a minute the way providers do, in one-second slices. How many
 * calls meet a 429, and how close the run comes to the time the limit allows,
 * with budgets given on the command line, with only the server's headers to
 * go by, and for a client without any rate limiting.
 */
import { join } from 'node:path';
import type { ScenarioBody, ScenarioContext, TargetCheck } from '../report/scenarioReport';
import { formatMs, formatMsSummary, formatRatio, median } from '../report/stats';
import { chatBody, writeJsonlBatch } from '../data/batchFiles';
import { failedCount } from '../data/verifyOutput';
import type { ClientSpec } from './clientRuns';
import { floorSpec, llmbatchSpec, runClients } from './clientRuns';
import type { RateLimitedServerStats } from '../servers/rateLimitedServe';
import { ServerProcess } from '../processes/serverProcess';
import { chatCompletionFor } from '../../test/mock/mockResponses';

const rpm = 6_000;
const tpm = 400_000;
const latencyMs = 50;
const concurrency = 50;

function percent(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 ? 2 : 1)} %`;
}

export async function rateLimitsScenario(ctx: ScenarioContext): Promise<ScenarioBody> {
  const count = ctx.quick ? 500 : 2_000;
  const input = join(ctx.workDir, `batch-${count}.jsonl`);
  writeJsonlBatch(input, count);
  // The tokens each request ends up costing, to show which limit binds.
  let usedTokens = 0;
  for (let index = 0; index < count; index++) {
    const usage = chatCompletionFor(chatBody(index), index, 0).usage as { total_tokens: number };
    usedTokens += usage.total_tokens;
  }
  const idealMs = Math.max(count / (rpm / 60_000), usedTokens / (tpm / 60_000));
  // From the first request's arrival to the last answer, for a client that sends exactly at the limit.
  const idealSpanMs = Math.max((count - 1) / (rpm / 60_000), usedTokens / (tpm / 60_000)) + latencyMs;
  const server = await ServerProcess.rateLimited({ root: ctx.root, rpm, tpm, latencyMs });
  try {
    const common = { root: ctx.root, input, baseUrl: server.baseUrl, concurrency };
    const budgets = llmbatchSpec({ ...common, label: `llmbatch run --rpm ${rpm} --tpm ${tpm}`, cache: 'off', out: join(ctx.workDir, 'budgets.out.jsonl'), extraArgs: ['--rpm', String(rpm), '--tpm', String(tpm)] });
    const headersOnly = llmbatchSpec({ ...common, label: 'llmbatch run (server headers only)', cache: 'off', out: join(ctx.workDir, 'headers.out.jsonl') });
    const unlimited = floorSpec({ ...common, out: join(ctx.workDir, 'floor.out.jsonl') }, 'no rate limiting (fetch worker pool, no retries)');
    const specs: ClientSpec[] = [budgets, headersOnly, unlimited];
    const served = new Map<ClientSpec, RateLimitedServerStats[]>(specs.map((spec) => [spec, []]));
    ctx.log(`8. Rate limits: ${count} requests, ${rpm} rpm / ${tpm} tpm enforced per second, ${latencyMs} ms server, concurrency ${concurrency}`);
    const results = await runClients(specs, {
      runs: ctx.runs,
      count,
      timeoutMs: 20 * 60_000,
      log: ctx.log,
      requireAllAnswered: false,
      beforeRun: () => server.reset(),
      afterRun: async (spec) => {
        served.get(spec)!.push(await server.stats());
      },
    });
    const shareOf = (spec: ClientSpec) => {
      const shares = served.get(spec)!.map((stats) => stats.rateLimited / Math.max(1, stats.answered + stats.rateLimited));
      return { median: median(shares), max: Math.max(...shares) };
    };
    const spanOf = (spec: ClientSpec) => median(served.get(spec)!.map((stats) => stats.spanMs));
    const rows = results.map((result) => {
      const stats = served.get(result.spec)!;
      const share = shareOf(result.spec);
      const failed = Math.max(...result.checks.map(failedCount));
      const limited = result.spec !== unlimited;
      return [
        result.spec.label,
        formatMsSummary(result.wall),
        limited ? formatRatio(result.wall.median / idealMs) : '—',
        formatMs(spanOf(result.spec)),
        limited ? formatRatio(spanOf(result.spec) / idealSpanMs) : '—',
        String(Math.round(median(stats.map((s) => s.answered + s.rateLimited)))),
        String(Math.round(median(stats.map((s) => s.rateLimited)))),
        percent(share.median),
        String(failed),
      ];
    });
    const target = (spec: ClientSpec, limit: number, what: string): TargetCheck => {
      const share = shareOf(spec);
      return { measure: `calls answered 429, ${what}`, result: `${percent(share.median)} (worst run ${percent(share.max)})`, target: `< ${limit * 100} %`, met: share.max < limit };
    };
    const timeTarget = (spec: ClientSpec, what: string): TargetCheck => ({
      measure: `time from first request to last answer against the ${formatMs(idealSpanMs)} the limit allows, ${what}`,
      result: formatRatio(spanOf(spec) / idealSpanMs),
      target: '≤ 1.10×',
      met: spanOf(spec) / idealSpanMs <= 1.1,
    });
    return {
      title: '8. Rate limits',
      setup:
        `${count} distinct requests (system + user message, \`max_tokens\` 64) against the mock server enforcing ${rpm.toLocaleString('en-US')} requests and ${tpm.toLocaleString('en-US')} tokens a minute in one-second slices ` +
        `(${rpm / 60} requests and ${Math.round(tpm / 60).toLocaleString('en-US')} tokens a second; a request is charged its prompt plus \`max_tokens\` on arrival and settled to its usage when answered), ` +
        `with \`x-ratelimit-*\` headers on every answer and 429 with \`retry-after-ms\` over the limit; ${latencyMs} ms latency, concurrency ${concurrency}, no cache. ` +
        `The limit allows ${formatMs(idealMs)}: ${count} requests at ${rpm / 60} a second (the ${Math.round(usedTokens / count)} tokens each request ends up using would allow more).`,
      columns: ['Client', 'Wall time', 'vs limit', 'First request to last answer', 'vs limit', 'Calls', '429s', '429 share', 'Failed lines'],
      rows,
      targets: [
        target(budgets, 0.01, 'with --rpm/--tpm'),
        target(headersOnly, 0.05, 'from server headers alone'),
        timeTarget(budgets, 'with --rpm/--tpm'),
        timeTarget(headersOnly, 'from server headers alone'),
      ],
      notes: [
        `Wall time is the whole process against the ${formatMs(idealMs)} the limit allows for ${count} requests; it includes the CLI's start-up and loading the tokenizer (about a second on this machine). The span the server saw, from the first request to the last answer, measures the pacing itself.`,
        'llmbatch uses 95 % of each per-second slice, a margin for requests that reach the server in another second than they left; a log of the last second keeps every one-second window within that share however the server aligns its windows.',
        'Without budgets, llmbatch sends one request first, reads the limits from its answer\'s headers, then paces by them.',
        'The fetch worker pool sends as fast as answers come back and does not retry: its 429s are lines without an answer.',
      ],
    };
  } finally {
    await server.stop();
  }
}
