/**
 * Scenario 9: what scoring costs. The same 100 000 requests (a .llmbatch file
 * over a CSV) run warm from the disk cache twice over — once as written, once
 * with five non-judge `expect:` lines, one of them filled in from the row — so
 * the difference is the scoring alone: expectations are not part of the cache
 * key, and both files read the same cached answers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioBody, ScenarioContext } from '../report/scenarioReport';
import { formatMsSummary, formatRate } from '../report/stats';
import { ServerProcess } from '../processes/serverProcess';
import type { ProcessRun } from '../processes/measureProcess';
import type { ClientResult, ClientSpec } from './clientRuns';
import { llmbatchSpec, runClients } from './clientRuns';

const overheadTarget = 0.15;

const expectations = [
  'expect: equals mock: question {{q}}',
  'expect: matches /^mock: question \\d+$/',
  'expect: not icontains sorry',
  'expect: tokens <= 50',
  'expect: latency <= 60000',
];

/** Lines, scored lines and passed lines of a results file. */
function countScores(path: string): { lines: number; scored: number; passed: number; cached: number } {
  let lines = 0;
  let scored = 0;
  let passed = 0;
  let cached = 0;
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    if (text === '') continue;
    lines++;
    const meta = (JSON.parse(text) as { llmbatch?: { cached?: boolean; expect?: { pass?: boolean } } }).llmbatch;
    if (meta?.cached) cached++;
    if (meta?.expect) scored++;
    if (meta?.expect?.pass) passed++;
  }
  return { lines, scored, passed, cached };
}

/** The spec without the generic results check, which knows only generated Batch input files. */
function unchecked(spec: ClientSpec, keepCache: boolean): ClientSpec {
  const { outFile: _checkedHere, prepare, ...rest } = spec;
  return keepCache ? rest : { ...rest, ...(prepare && { prepare }) };
}

export async function expectScenario(ctx: ScenarioContext): Promise<ScenarioBody> {
  const count = ctx.quick ? 5000 : 100_000;
  const rows = ['q'];
  for (let i = 0; i < count; i++) rows.push(String(i));
  writeFileSync(join(ctx.workDir, 'rows.csv'), `${rows.join('\n')}\n`);
  const head = ['@model = bench-model', '', '### scale', '@data = rows.csv', 'user: question {{q}}'];
  const plainFile = join(ctx.workDir, 'plain.llmbatch');
  const scoredFile = join(ctx.workDir, 'scored.llmbatch');
  writeFileSync(plainFile, `${head.join('\n')}\n`);
  writeFileSync(scoredFile, `${[...head, ...expectations].join('\n')}\n`);
  const cacheDir = join(ctx.workDir, 'cache');
  const server = await ServerProcess.mock({ root: ctx.root, latencyMs: 0 });
  try {
    const common = { root: ctx.root, baseUrl: server.baseUrl, concurrency: 100, cache: cacheDir };
    const fillOut = join(ctx.workDir, 'fill.out.jsonl');
    const plainOut = join(ctx.workDir, 'plain.out.jsonl');
    const scoredOut = join(ctx.workDir, 'scored.out.jsonl');
    ctx.log(`9. Expectations: ${count} cached answers, warm runs without and with ${expectations.length} expect: lines`);
    await runClients([unchecked(llmbatchSpec({ ...common, input: plainFile, label: 'fill the cache', out: fillOut }), false)], { runs: 1, count, timeoutMs: 30 * 60_000, log: ctx.log });
    const plain = unchecked(llmbatchSpec({ ...common, input: plainFile, label: 'llmbatch run, warm cache, no expectations', out: plainOut }), true);
    const scored = unchecked(llmbatchSpec({ ...common, input: scoredFile, label: `llmbatch run, warm cache, ${expectations.length} expect: lines`, out: scoredOut }), true);
    const problems: string[] = [];
    const afterRun = async (spec: ClientSpec, run: ProcessRun): Promise<void> => {
      const isScored = spec === scored;
      const counts = countScores(isScored ? scoredOut : plainOut);
      const wanted = isScored ? count : 0;
      if (counts.lines !== count || counts.cached !== count || counts.scored !== wanted || counts.passed !== wanted) problems.push(`${spec.label}: ${JSON.stringify(counts)}; exit ${run.exitCode}`);
    };
    const [plainResult, scoredResult] = await runClients([plain, scored], { runs: ctx.runs, count, timeoutMs: 30 * 60_000, log: ctx.log, afterRun });
    if (problems.length > 0) throw new Error(`a warm run did not answer (and score) every request from the cache: ${problems.join('; ')}`);
    const overhead = scoredResult!.wall.median / plainResult!.wall.median - 1;
    const rowOf = (label: string, wall: ClientResult['wall']) => [label, formatMsSummary(wall), formatRate((count * 1000) / wall.median)];
    return {
      title: '9. Expectations',
      setup: `${count} requests from a .llmbatch file over a ${count}-row CSV, all answered from a warm disk cache (one process per run, results to a file). The second file adds ${expectations.length} expect: lines — \`${expectations.map((line) => line.slice('expect: '.length)).join('`, `')}\` — the first filled in from each row; every answer passes them all. Runs alternate between the two files.`,
      columns: ['Run', 'Wall time', 'Requests/s'],
      rows: [rowOf(plain.label, plainResult!.wall), rowOf(scored.label, scoredResult!.wall)],
      targets: [
        {
          measure: `time scoring adds to a warm run of ${count} requests (median wall time)`,
          result: `${overhead >= 0 ? '+' : ''}${(overhead * 100).toFixed(1)} %`,
          target: `≤ ${overheadTarget * 100} %`,
          met: overhead <= overheadTarget,
        },
      ],
      notes: [`Every run answered all ${count} requests from the cache; every scored run wrote a passing verdict on each line.`],
    };
  } finally {
    await server.stop();
  }
}
