/**
 * Scenario 5: loading a long `.llmbatch` file in a fresh process each run, as
 * the CLI does before sending anything — in the three shapes a 100 000-request
 * file takes: one block per request, sweeps, and data rows — and a CSV as wide
 * as it is long, 100 000 columns, whose header once took quadratic time.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioBody, ScenarioContext, TargetCheck } from '../report/scenarioReport';
import { formatMiB, formatMs, formatMsSummary, summarize } from '../report/stats';
import { benchModel, systemText, writeLlmbatchFile } from '../data/batchFiles';
import { assertExited, measureProcess } from '../processes/measureProcess';
import type { ParseMeasurement } from '../workers/parseWorker';

const targetMs = 1000;
const cities = ['Paris', 'Oslo', 'Lima', 'Tokyo', 'Cairo', 'Quito', 'Perth', 'Riga', 'Delhi', 'Accra'];
const header = ['# A long generated batch.', '@provider = openai', `@model = ${benchModel}`, '@max_tokens = 64', '', ''].join('\n');

interface Shape {
  readonly label: string;
  readonly describe: string;
  /** Requests the file expands to, when not the scenario's count. */
  readonly items?: number;
  /** Writes the file (and any data file next to it); returns its size in bytes. */
  write(file: string): number;
}

function writeText(file: string, text: string): number {
  writeFileSync(file, text, 'utf8');
  return Buffer.byteLength(text);
}

/** `count / 100` blocks, each sweeping 10 temperatures × 10 cities. */
function sweepShape(count: number): Shape {
  const blocks = count / 100;
  return {
    label: `${blocks} blocks × 100 sweep values`,
    describe: `${blocks} blocks, each sweeping 10 temperatures × 10 values of a variable`,
    write: (file) => {
      const parts = [header];
      for (let b = 0; b < blocks; b++) {
        parts.push(
          `### s${b}\n@temperature = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]\n@city = ${JSON.stringify(cities)}\n` +
            `system: ${systemText}\nuser: Block ${b}: name one fact about {{city}} in plain words.\n\n`,
        );
      }
      return writeText(file, parts.join(''));
    },
  };
}

/** One block over a CSV of `count` rows next to the file. */
function rowShape(count: number): Shape {
  return {
    label: `1 block × ${count} CSV rows`,
    describe: `one block over a ${count}-row CSV file (three columns, one quoted with a comma)`,
    write: (file) => {
      const rows = ['id,city,question'];
      for (let r = 0; r < count; r++) rows.push(`${r},${cities[r % cities.length]!},"What is fact number ${r}, about ${cities[r % cities.length]!}?"`);
      const csv = `${rows.join('\n')}\n`;
      writeFileSync(join(file, '..', 'rows.csv'), csv, 'utf8');
      const text = [header, '### rows', '@data = rows.csv', '@temperature = 0.3', `system: ${systemText}`, 'user: Row {{id}}: {{question}} Answer about {{city}}.', ''].join('\n');
      return writeText(file, text) + Buffer.byteLength(csv);
    },
  };
}

/** One block over a CSV of one row under a header of `columns` names: the header is what once took quadratic time. */
function wideShape(columns: number): Shape {
  return {
    label: `1 block × 1 CSV row of ${columns} columns`,
    describe: `one block over a CSV file of ${columns} columns, a header and one row`,
    items: 1,
    write: (file) => {
      const names = Array.from({ length: columns }, (_, c) => `col${String(c).padStart(6, '0')}`);
      const csv = `${names.join(',')}\n${names.map((_, c) => String(c % 10)).join(',')}\n`;
      writeFileSync(join(file, '..', 'wide.csv'), csv, 'utf8');
      const text = [header, '### wide', '@data = wide.csv', `system: ${systemText}`, 'user: Row {{col000000}} of {{col099999}}.', ''].join('\n');
      return writeText(file, text) + Buffer.byteLength(csv);
    },
  };
}

export async function parseScenario(ctx: ScenarioContext): Promise<ScenarioBody> {
  const count = ctx.quick ? 10_000 : 100_000;
  const worker = join(ctx.root, 'dist', 'bench', 'workers', 'parseWorker.js');
  const shapes: Shape[] = [
    {
      label: `${count} one-request blocks`,
      describe: `${count} single-request blocks, each setting a temperature and a variable used in its prompt, under a header setting provider, model and max_tokens`,
      write: (file) => writeLlmbatchFile(file, count),
    },
    sweepShape(count),
    rowShape(count),
    wideShape(100_000),
  ];
  const rows: string[][] = [];
  const targets: TargetCheck[] = [];
  for (const [index, shape] of shapes.entries()) {
    const file = join(ctx.workDir, `generated-${index}.llmbatch`);
    const bytes = shape.write(file);
    ctx.log(`5. Parse: ${shape.label}, ${formatMiB(bytes)}`);
    const measurements: ParseMeasurement[] = [];
    const peaks: number[] = [];
    for (let run = 0; run < ctx.runs; run++) {
      const result = await measureProcess(process.execPath, ['--expose-gc', worker, file], { timeoutMs: 5 * 60_000 });
      assertExited(result, 'the parse worker');
      const measurement = JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as ParseMeasurement;
      const expected = shape.items ?? count;
      if (measurement.items !== expected || measurement.errors !== 0) {
        throw new Error(`${shape.label}: the file expanded to ${measurement.items} requests with ${measurement.errors} errors; expected ${expected} and none`);
      }
      measurements.push(measurement);
      if (result.peakRssBytes !== undefined) peaks.push(result.peakRssBytes);
      ctx.log(`  load ${formatMs(measurement.loadMs)}, heap ${formatMiB(measurement.heapUsedBytes)}`);
    }
    const load = summarize(measurements.map((m) => m.loadMs));
    const heap = summarize(measurements.map((m) => m.heapUsedBytes));
    const peak = peaks.length ? formatMiB(summarize(peaks).median) : 'unknown';
    rows.push(
      [`${shape.label}: read + UTF-8 decode`, formatMsSummary(summarize(measurements.map((m) => m.readMs)))],
      [`${shape.label}: parse + expand (\`loadBatchText\`, cold process)`, formatMsSummary(load)],
      [`${shape.label}: warm second pass, parse only`, formatMsSummary(summarize(measurements.map((m) => m.warmParseMs)))],
      [`${shape.label}: warm second pass, expand only`, formatMsSummary(summarize(measurements.map((m) => m.warmExpandMs)))],
      [`${shape.label}: heap held by the loaded batch (after GC)`, formatMiB(heap.median)],
      [`${shape.label}: peak RSS of the process`, peak],
    );
    targets.push({ measure: `parse + expand ${shape.label} (${formatMiB(bytes)})`, result: formatMs(load.median), target: `≤ ${formatMs(targetMs)}`, met: load.median <= targetMs });
  }
  return {
    title: '5. Parse',
    setup: `Four generated \`.llmbatch\` files: three of ${count} requests each, and a wide one: ${shapes.map((shape) => shape.describe).join('; ')}. Each run is a fresh process (\`bench/workers/parseWorker.ts\`) that reads the file and calls \`loadBatchText\` — parse, expand and index in one pass, exactly what \`llmbatch run\` does — then parses and expands once more, warm and in two steps as the editor does, to split the time.`,
    columns: ['Measure', 'Median (min–max)'],
    rows,
    targets,
    notes: [`Every run of every shape expanded exactly the requests it describes (${count}, or one for the wide CSV) with no errors.`],
  };
}
