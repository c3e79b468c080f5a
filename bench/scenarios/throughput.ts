/**
 * Scenarios 1 and 2: the llmbatch CLI against the floor on the same batch —
 * once bound by server latency, once bound by CPU. llmbatch runs as a user runs
 * it: on a terminal (so its progress bar draws), retries on, writing a fresh
 * disk cache.
 */
import { join } from 'node:path';
import type { ScenarioBody, ScenarioContext, TargetCheck } from '../report/scenarioReport';
import { formatMs, formatMsSummary, formatRate, formatRatio } from '../report/stats';
import { writeJsonlBatch } from '../data/batchFiles';
import { ServerProcess } from '../processes/serverProcess';
import { hasTerminalWrapper } from '../processes/measureProcess';
import { floorSpec, llmbatchSpec, runClients } from './clientRuns';

interface ThroughputSetup {
  readonly title: string;
  readonly count: number;
  readonly latencyMs: number;
  readonly concurrency: number;
  /** llmbatch's throughput must be at least this share of the floor's. */
  readonly targetShare: number;
}

async function compareWithFloor(ctx: ScenarioContext, setup: ThroughputSetup): Promise<ScenarioBody> {
  const { count, latencyMs, concurrency } = setup;
  const input = join(ctx.workDir, `batch-${count}.jsonl`);
  writeJsonlBatch(input, count);
  const server = await ServerProcess.mock({ root: ctx.root, latencyMs });
  try {
    const common = { root: ctx.root, input, baseUrl: server.baseUrl, concurrency };
    const floor = floorSpec({ ...common, out: join(ctx.workDir, 'floor.out.jsonl') });
    const cli = llmbatchSpec({ ...common, out: join(ctx.workDir, 'llmbatch.out.jsonl'), cache: join(ctx.workDir, 'cache'), terminal: true });
    ctx.log(`${setup.title}: ${count} requests, ${latencyMs} ms server, concurrency ${concurrency}`);
    const [floorResult, cliResult] = await runClients([floor, cli], { runs: ctx.runs, count, timeoutMs: 10 * 60_000, log: ctx.log });
    const floorRate = (count * 1000) / floorResult!.wall.median;
    const cliRate = (count * 1000) / cliResult!.wall.median;
    const boundMs = (count * latencyMs) / concurrency;
    const rows = [floorResult!, cliResult!].map((result) => {
      const rate = (count * 1000) / result.wall.median;
      return [
        result.spec.label,
        formatMsSummary(result.wall),
        formatRate(rate),
        formatRatio(rate / floorRate),
        ...(boundMs > 0 ? [formatRatio(result.wall.median / boundMs)] : []),
      ];
    });
    const share = cliRate / floorRate;
    const targets: TargetCheck[] = [
      {
        measure: `llmbatch throughput vs the floor (${count} requests, ${latencyMs} ms)`,
        result: `${formatRatio(share)} (${formatRate(cliRate)} vs ${formatRate(floorRate)} req/s${boundMs > 0 ? `; ${formatRatio(cliResult!.wall.median / boundMs)} the bound` : ''})`,
        target: `≥ ${formatRatio(setup.targetShare)}`,
        met: share >= setup.targetShare,
      },
    ];
    const notes = [
      `Every run of both clients answered all ${count} requests, each with its own answer (checked line by line).`,
      ...(hasTerminalWrapper() ? [] : ['`script` is missing here, so llmbatch ran without a terminal and drew no progress bar.']),
      ...(boundMs > 0
        ? [
            `Bound: N·L/C = ${count} × ${latencyMs} ms / ${concurrency} = ${formatMs(boundMs)} — what a client with zero CPU cost would take. Both clients are above it because the answers of a wave arrive together and are handled one after the other on one core.`,
          ]
        : []),
    ];
    return {
      title: setup.title,
      setup: `${count} distinct requests as OpenAI Batch input JSONL, mock server with ${latencyMs} ms latency in its own process, concurrency ${concurrency}. The floor is \`bench/clients/floorClient.ts\`: a fetch worker pool with no validation, retries, cache or progress. llmbatch is \`node dist/cli.js run … --out FILE\` with its defaults (3 retries, 30 s timeout), a fresh disk cache per run, on a pseudo-terminal so its progress bar draws.`,
      columns: ['Client', 'Wall time', 'Requests/s', 'vs floor', ...(boundMs > 0 ? ['vs bound'] : [])],
      rows,
      targets,
      notes,
    };
  } finally {
    await server.stop();
  }
}

export function latencyScenario(ctx: ScenarioContext): Promise<ScenarioBody> {
  return compareWithFloor(ctx, { title: '1. Latency-bound', count: ctx.quick ? 300 : 3000, latencyMs: 100, concurrency: 100, targetShare: 0.95 });
}

export function cpuScenario(ctx: ScenarioContext): Promise<ScenarioBody> {
  return compareWithFloor(ctx, { title: '2. CPU-bound', count: ctx.quick ? 500 : 5000, latencyMs: 0, concurrency: 100, targetShare: 0.9 });
}
