/**
 * Scenario 6: the same batch against a healthy server and against one that
 * fails a fixed share of first attempts in the ways real servers fail.
 * Nothing may be lost: every line answered, with its own request's answer.
 */
import { join } from 'node:path';
import type { ScenarioBody, ScenarioContext } from '../report/scenarioReport';
import { formatMs, formatMsSummary, formatRate, formatRatio, median } from '../report/stats';
import { writeJsonlBatch } from '../data/batchFiles';
import type { OutputCheck } from '../data/verifyOutput';
import { allAnswered } from '../data/verifyOutput';
import { ServerProcess } from '../processes/serverProcess';
import type { ServerStats } from '../servers/mockServe';
import type { FaultKind } from '../servers/faultMix';
import { standardFaultMix } from '../servers/faultMix';
import { llmbatchSpec, runClients } from './clientRuns';

const timeoutMs = 2000;
const retryDelayMs = 1000;

/** Extra time a request's slot is held by its failed first attempt and the wait before the retry. */
function penaltyMs(kind: FaultKind, latencyMs: number): number {
  switch (kind) {
    case 'rateLimit': // Retry-After: 1
    case 'serverError':
    case 'reset':
      return latencyMs + retryDelayMs;
    case 'hang':
      return timeoutMs + retryDelayMs;
  }
}

function lostOf(check: OutputCheck, count: number): number {
  return count - check.answered;
}

export async function faultsScenario(ctx: ScenarioContext): Promise<ScenarioBody> {
  const count = ctx.quick ? 1000 : 10_000;
  const latencyMs = 100;
  const concurrency = 100;
  const input = join(ctx.workDir, `batch-${count}.jsonl`);
  writeJsonlBatch(input, count);
  const healthy = await ServerProcess.mock({ root: ctx.root, latencyMs });
  const faulty = await ServerProcess.mock({ root: ctx.root, latencyMs, faults: 'standard' });
  try {
    const common = { root: ctx.root, input, concurrency, extraArgs: ['--timeout', String(timeoutMs / 1000)] };
    const clean = llmbatchSpec({ ...common, label: 'healthy server', baseUrl: healthy.baseUrl, out: join(ctx.workDir, 'healthy.out.jsonl'), cache: join(ctx.workDir, 'cache-healthy') });
    const failing = llmbatchSpec({ ...common, label: 'failing server', baseUrl: faulty.baseUrl, out: join(ctx.workDir, 'faulty.out.jsonl'), cache: join(ctx.workDir, 'cache-faulty') });
    const injected: ServerStats[] = [];
    ctx.log(`6. Faults: ${count} requests, ${latencyMs} ms server, concurrency ${concurrency}, --timeout ${timeoutMs / 1000}`);
    const [cleanResult, failingResult] = await runClients([clean, failing], {
      runs: ctx.runs,
      count,
      timeoutMs: 20 * 60_000,
      log: ctx.log,
      requireAllAnswered: false,
      beforeRun: async (spec) => {
        if (spec === failing) await faulty.reset();
      },
      afterRun: async (spec) => {
        if (spec === failing) injected.push(await faulty.stats());
      },
    });
    const faults = injected[0]!.faults;
    const faultTotal = Object.values(faults).reduce((sum, n) => sum + n, 0);
    const idealMs = (count * latencyMs + standardFaultMix.reduce((sum, { kind }) => sum + faults[kind] * penaltyMs(kind, latencyMs), 0)) / concurrency;
    const lost = failingResult!.checks.map((check) => lostOf(check, count));
    const cleanLost = cleanResult!.checks.map((check) => lostOf(check, count));
    const allGood = failingResult!.checks.every((check) => allAnswered(check, count)) && cleanResult!.checks.every((check) => allAnswered(check, count));
    const slowdown = failingResult!.wall.median / cleanResult!.wall.median;
    const rows = [cleanResult!, failingResult!].map((result, at) => [
      result.spec.label,
      formatMsSummary(result.wall),
      formatRate((count * 1000) / result.wall.median),
      at === 0 ? '1.00×' : formatRatio(slowdown),
      (at === 0 ? cleanLost : lost).join(', '),
    ]);
    const describe = `${faults.rateLimit} × 429, ${faults.serverError} × 500, ${faults.reset} resets, ${faults.hang} hangs`;
    return {
      title: '6. Faults',
      setup: `${count} distinct requests, mock server with ${latencyMs} ms latency, concurrency ${concurrency}, \`llmbatch run --timeout ${timeoutMs / 1000}\` with its default retries (3, first backoff 1 s doubling, ±25 % jitter, \`Retry-After\` honoured) and a fresh disk cache. The failing server fails the first attempt of a fixed set of requests (chosen by a hash of the messages, so every run meets the same ones): 8 % with 429 and \`Retry-After: 1\`, 5 % with 500, 2 % by resetting the connection, 1 % by never answering. Each run: ${describe} (${((faultTotal / count) * 100).toFixed(1)} %).`,
      columns: ['Server', 'Wall time', 'Requests/s', 'vs healthy', 'Lost per run'],
      rows,
      targets: [
        { measure: `requests lost to faults (${count} requests, ${((faultTotal / count) * 100).toFixed(0)} % failing)`, result: `${Math.max(...lost)} lost`, target: '0 lost', met: allGood },
      ],
      notes: [
        `"Lost" counts requests without a line carrying their own answer; every run of both wrote all ${count} lines in input order: ${[...cleanResult!.checks, ...failingResult!.checks].every((check) => check.inInputOrder && check.lines === count) ? 'yes' : 'no'}.`,
        `Slowdown ${formatRatio(slowdown)}. For reference, a client with no CPU cost that holds each slot through the failed attempt and the wait (429/500/reset: latency + 1 s; hang: ${timeoutMs / 1000} s timeout + 1 s) needs (N·L + Σ waits)/C = ${formatMs(idealMs)}; the failing run took ${formatRatio(median(failingResult!.runs.map((run) => run.wallMs)) / idealMs)} that.`,
      ],
    };
  } finally {
    await Promise.all([healthy.stop(), faulty.stop()]);
  }
}
