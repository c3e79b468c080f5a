/**
 * Scenario 4: a batch far larger than the concurrency, to show that memory
 * stays flat, then the same batch again answered from the warm disk cache.
 */
import { join } from 'node:path';
import type { ScenarioBody, ScenarioContext, TargetCheck } from '../report/scenarioReport';
import { formatMiB, formatMsSummary, formatRate, summarize } from '../report/stats';
import { writeJsonlBatch } from '../data/batchFiles';
import { ServerProcess } from '../processes/serverProcess';
import type { ClientResult } from './clientRuns';
import { llmbatchSpec, runClients } from './clientRuns';

const rssTargetBytes = 300 * 1024 * 1024;
const warmTargetRate = 20_000;

/** The CLI's own summary ends with the engine's wall time, e.g. `· 4.2 s → out.jsonl`. */
function engineTime(stderr: string): string | undefined {
  const summary = stderr.split('\n').reverse().find((line) => line.startsWith('llmbatch: ') && line.includes(' requests · '));
  return summary?.match(/· ([\d.]+ (?:ms|s)|\d+ min \d+ s)(?: →|$)/)?.[1];
}

function row(label: string, result: ClientResult, count: number): string[] {
  const engine = result.runs.map((run) => engineTime(run.stderr)).filter(Boolean);
  return [
    label,
    formatMsSummary(result.wall),
    formatRate((count * 1000) / result.wall.median),
    result.peakRss ? `${formatMiB(result.peakRss.median)} (${formatMiB(result.peakRss.min)}–${formatMiB(result.peakRss.max)})` : 'unknown',
    engine.length ? engine.join(', ') : '—',
  ];
}

export async function scaleScenario(ctx: ScenarioContext): Promise<ScenarioBody> {
  const count = ctx.quick ? 5000 : 100_000;
  const concurrency = 100;
  const input = join(ctx.workDir, `batch-${count}.jsonl`);
  writeJsonlBatch(input, count);
  const cacheDir = join(ctx.workDir, 'cache');
  const server = await ServerProcess.mock({ root: ctx.root, latencyMs: 0 });
  try {
    const common = { root: ctx.root, input, baseUrl: server.baseUrl, concurrency, cache: cacheDir };
    const cold = llmbatchSpec({ ...common, label: 'llmbatch run, empty cache', out: join(ctx.workDir, 'cold.out.jsonl') });
    // No `prepare`: the warm run reads what the cold run before it wrote.
    const { prepare: _keepCache, ...warmBase } = llmbatchSpec({ ...common, label: 'llmbatch run, warm cache', out: join(ctx.workDir, 'warm.out.jsonl') });
    ctx.log(`4. Scale: ${count} requests, 0 ms server, concurrency ${concurrency}, results to a file`);
    const [coldResult, warmResult] = await runClients([cold, warmBase], { runs: ctx.runs, count, timeoutMs: 30 * 60_000, log: ctx.log });
    const warmCached = warmResult!.checks.map((check) => check.cached);
    if (warmCached.some((cached) => cached !== count)) throw new Error(`the warm run sent requests instead of reading the cache: cached ${warmCached.join(', ')} of ${count}`);
    const coldRate = (count * 1000) / coldResult!.wall.median;
    const warmRate = (count * 1000) / warmResult!.wall.median;
    const peak = summarize([...coldResult!.runs, ...warmResult!.runs].map((run) => run.peakRssBytes ?? Number.NaN));
    const targets: TargetCheck[] = [
      {
        measure: `peak RSS of \`llmbatch run\`, ${count} requests`,
        result: Number.isFinite(peak.max) ? `${formatMiB(peak.max)} (highest of all runs)` : 'unknown (no /usr/bin/time)',
        target: '≤ 300 MiB',
        met: Number.isFinite(peak.max) ? peak.max <= rssTargetBytes : undefined,
      },
      { measure: `warm-cache throughput, ${count} requests`, result: `${formatRate(warmRate)} req/s`, target: `≥ ${formatRate(warmTargetRate)} req/s`, met: warmRate >= warmTargetRate },
    ];
    return {
      title: '4. Scale',
      setup: `${count} distinct requests as Batch input JSONL (one process per run, results to a file with \`--out\`), mock server with 0 ms latency, concurrency ${concurrency}. Each round empties the cache directory, runs the batch (every answer written to the disk cache), then runs it again from that cache. Peak RSS is the kernel's high-water mark for the CLI process (GNU time).`,
      columns: ['Run', 'Wall time', 'Requests/s', 'Peak RSS', 'Engine time (CLI summary)'],
      rows: [row(cold.label, coldResult!, count), row(warmBase.label, warmResult!, count)],
      targets,
      notes: [
        `Every run answered all ${count} requests with their own answers, in input order; every warm run answered all of them from the cache (${count} cached lines).`,
        `Cold throughput ${formatRate(coldRate)} req/s includes writing ${count} cache entries.`,
      ],
    };
  } finally {
    await server.stop();
  }
}
