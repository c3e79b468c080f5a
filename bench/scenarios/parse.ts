/**
 * Scenario 5: loading a long `.llmbatch` file — one block per request — in a
 * fresh process each run, as the CLI does before sending anything.
 */
import { join } from 'node:path';
import type { ScenarioBody, ScenarioContext } from '../report/scenarioReport';
import { formatMiB, formatMs, formatMsSummary, summarize } from '../report/stats';
import { writeLlmbatchFile } from '../data/batchFiles';
import { assertExited, measureProcess } from '../processes/measureProcess';
import type { ParseMeasurement } from '../workers/parseWorker';

const targetMs = 1000;

export async function parseScenario(ctx: ScenarioContext): Promise<ScenarioBody> {
  const count = ctx.quick ? 10_000 : 100_000;
  const file = join(ctx.workDir, `generated-${count}.llmbatch`);
  const bytes = writeLlmbatchFile(file, count);
  const worker = join(ctx.root, 'dist', 'bench', 'workers', 'parseWorker.js');
  ctx.log(`5. Parse: ${count} requests, ${formatMiB(bytes)} of .llmbatch`);
  const measurements: ParseMeasurement[] = [];
  const peaks: number[] = [];
  for (let run = 0; run < ctx.runs; run++) {
    const result = await measureProcess(process.execPath, ['--expose-gc', worker, file], { timeoutMs: 5 * 60_000 });
    assertExited(result, 'the parse worker');
    const measurement = JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as ParseMeasurement;
    if (measurement.items !== count || measurement.errors !== 0) {
      throw new Error(`the generated file expanded to ${measurement.items} requests with ${measurement.errors} errors; expected ${count} and none`);
    }
    measurements.push(measurement);
    if (result.peakRssBytes !== undefined) peaks.push(result.peakRssBytes);
    ctx.log(`  load ${formatMs(measurement.loadMs)}, heap ${formatMiB(measurement.heapUsedBytes)}`);
  }
  const load = summarize(measurements.map((m) => m.loadMs));
  const read = summarize(measurements.map((m) => m.readMs));
  const heap = summarize(measurements.map((m) => m.heapUsedBytes));
  const parse = summarize(measurements.map((m) => m.warmParseMs));
  const expand = summarize(measurements.map((m) => m.warmExpandMs));
  const peak = peaks.length ? summarize(peaks) : undefined;
  return {
    title: '5. Parse',
    setup: `A generated \`.llmbatch\` of ${count} single-request blocks (${formatMiB(bytes)}; each block sets a temperature and a variable used in its prompt, under a header setting provider, model and max_tokens). Each run is a fresh process (\`bench/workers/parseWorker.ts\`) that reads the file and calls \`loadBatchText\` — parse, expand and index, exactly what \`llmbatch run\` and the editor do — then parses and expands once more, warm, to split the time.`,
    columns: ['Measure', 'Median (min–max)'],
    rows: [
      ['read + UTF-8 decode', formatMsSummary(read)],
      ['parse + expand (`loadBatchText`, cold process)', formatMsSummary(load)],
      ['warm second pass: parse only', formatMsSummary(parse)],
      ['warm second pass: expand only', formatMsSummary(expand)],
      ['heap held by the loaded batch (after GC)', formatMiB(heap.median)],
      ['peak RSS of the process', peak ? formatMiB(peak.median) : 'unknown'],
    ],
    targets: [{ measure: `parse + expand ${count} requests (${formatMiB(bytes)})`, result: formatMs(load.median), target: `≤ ${formatMs(targetMs)}`, met: load.median <= targetMs }],
    notes: [`Every run expanded exactly ${count} requests with no errors.`],
  };
}
