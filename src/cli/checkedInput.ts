/**
 * Reading a command's input file as the CLI does: refuse it whole, with every
 * diagnostic printed as `file:line:col`, when it cannot be read, is not UTF-8,
 * has errors or holds no requests — so nothing is ever sent or submitted from
 * a file that is partly wrong.
 */
import { readFileSync } from 'node:fs';
import { checkUtf8, decodeUtf8, fromBatchInput, isBatchJsonl, loadBatchText } from '../core/batchFile/loadBatch';
import type { LoadedBatch } from '../core/batchFile/loadBatch';
import { readBatchInputLazily } from '../core/batchFile/batchJsonl';
import type { BatchItemList } from '../core/batchFile/batchJsonl';
import { formatDiagnostic } from './io';

/**
 * Reads and checks the input; prints every diagnostic (relative to `shownName`) and returns
 * undefined, after saying nothing was `done`, when the file cannot be read, is not UTF-8, has
 * errors or holds no requests.
 */
export function readCheckedBatch(inputPath: string, shownName: string, defaultProvider: string, done: 'sent' | 'submitted', say: (line: string) => void): LoadedBatch | undefined;
/** With `lazy`, Batch input items are read again from the file's bytes on each pass instead of being held (see `readBatchInputLazily`). */
export function readCheckedBatch(inputPath: string, shownName: string, defaultProvider: string, done: 'sent' | 'submitted', say: (line: string) => void, lazy: true): LoadedBatch<BatchItemList> | undefined;
export function readCheckedBatch(inputPath: string, shownName: string, defaultProvider: string, done: 'sent' | 'submitted', say: (line: string) => void, lazy = false): LoadedBatch<BatchItemList> | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(inputPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    say(`llmbatch: ${shownName}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(error)}`);
    return undefined;
  }
  const notUtf8 = (problem: { line: number; column: number; message: string }) => say(`${shownName}:${problem.line + 1}:${problem.column + 1}: error: ${problem.message}`);
  let batch: LoadedBatch<BatchItemList>;
  if (lazy && isBatchJsonl(inputPath)) {
    const checked = checkUtf8(bytes);
    if (!checked.ok) return void notUtf8(checked);
    const { items, diagnostics } = readBatchInputLazily(bytes, { fileName: inputPath, provider: defaultProvider });
    batch = fromBatchInput(items, diagnostics);
  } else {
    const decoded = decodeUtf8(bytes);
    if (!decoded.ok) return void notUtf8(decoded);
    batch = loadBatchText(decoded.text, { fileName: inputPath, defaultProvider });
  }
  for (const diagnostic of batch.diagnostics) say(formatDiagnostic({ ...diagnostic, range: { ...diagnostic.range, file: undefined } }, shownName));
  const errors = batch.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors > 0) {
    say(`llmbatch: ${errors} error${errors === 1 ? '' : 's'} in ${shownName}; nothing was ${done}`);
    return undefined;
  }
  if (batch.items.length === 0) {
    say(`llmbatch: ${shownName} has no requests; nothing was ${done}`);
    return undefined;
  }
  return batch;
}
