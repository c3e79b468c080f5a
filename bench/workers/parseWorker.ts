/**
 * Loads one `.llmbatch` file the way the CLI does (read, decode, then parse and
 * expand in one pass) in a fresh process, then once more the way the editor
 * does (parse, then expand the whole document), and prints what it took as JSON.
 *
 *   node dist/bench/workers/parseWorker.js FILE.llmbatch
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { decodeUtf8, loadBatchText } from '../../src/core/batchFile/loadBatch';
import { parseDocument } from '../../src/core/language/syntax/parseDocument';
import { expandDocument } from '../../src/core/language/expand/expandDocument';

export interface ParseMeasurement {
  readonly bytes: number;
  readonly items: number;
  readonly errors: number;
  readonly readMs: number;
  /** `loadBatchText` on a cold process: parse, expand and index, as a run does. */
  readonly loadMs: number;
  /** Heap in use while the loaded batch is held, after a full collection (with `--expose-gc`). */
  readonly heapUsedBytes: number;
  /** A second pass on the now-warm process, in the editor's two steps. */
  readonly warmParseMs: number;
  readonly warmExpandMs: number;
}

function main(): void {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: parseWorker.js FILE.llmbatch\n');
    process.exit(2);
  }
  const t0 = performance.now();
  const decoded = decodeUtf8(readFileSync(file));
  if (!decoded.ok) throw new Error(decoded.message);
  const t1 = performance.now();
  const batch = loadBatchText(decoded.text, { fileName: file, defaultProvider: 'openai' });
  const t2 = performance.now();
  (globalThis as { gc?: () => void }).gc?.();
  const heapUsedBytes = process.memoryUsage().heapUsed;
  const items = batch.items.length;
  const errors = batch.diagnostics.filter((diagnostic) => diagnostic.severity === 'error').length;

  const t3 = performance.now();
  const document = parseDocument(decoded.text);
  const t4 = performance.now();
  const expansion = expandDocument(document, { fileName: file, defaultProvider: 'openai', readFile: (path) => readFileSync(path, 'utf8') });
  const t5 = performance.now();
  // Also keeps the first batch alive until here, so the heap figure above includes it.
  if (expansion.items.length !== batch.items.length) throw new Error(`the second pass expanded ${expansion.items.length} items, the first ${batch.items.length}`);

  const measurement: ParseMeasurement = {
    bytes: Buffer.byteLength(decoded.text),
    items,
    errors,
    readMs: t1 - t0,
    loadMs: t2 - t1,
    heapUsedBytes,
    warmParseMs: t4 - t3,
    warmExpandMs: t5 - t4,
  };
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
}

main();
