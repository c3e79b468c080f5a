/**
 * Reading a command's input file as the CLI does: refuse it whole, with every
 * diagnostic printed as `file:line:col`, when it cannot be read, is not UTF-8,
 * has errors or holds no requests — so nothing is ever sent or submitted from
 * a file that is partly wrong.
 */
import { decodeUtf8, fromBatchInput, isBatchJsonl, loadBatchText } from '../core/batchFile/loadBatch';
import type { LoadedBatch } from '../core/batchFile/loadBatch';
import { readBatchInputLazily } from '../core/batchFile/batchJsonl';
import type { BatchItemList } from '../core/batchFile/batchJsonl';
import { InputFileError, inputFileLimits, readRegularFile, RegularFile } from '../core/inputFiles';
import { formatDiagnostic } from './io';

/**
 * Reads and checks the input; prints every diagnostic (relative to `shownName`) and returns
 * undefined, after saying nothing was `done`, when the file cannot be read, is not UTF-8, has
 * errors or holds no requests.
 */
export function readCheckedBatch(inputPath: string, shownName: string, defaultProvider: string, done: 'sent' | 'submitted', say: (line: string) => void): LoadedBatch | undefined;
/** With `lazy`, Batch input items are read again from the file on each pass instead of being held (see `readBatchInputLazily`). */
export function readCheckedBatch(inputPath: string, shownName: string, defaultProvider: string, done: 'sent' | 'submitted', say: (line: string) => void, lazy: true): LoadedBatch<BatchItemList> | undefined;
export function readCheckedBatch(inputPath: string, shownName: string, defaultProvider: string, done: 'sent' | 'submitted', say: (line: string) => void, lazy = false): LoadedBatch<BatchItemList> | undefined {
  const refuse = (message: string): undefined => {
    say(`${shownName}:1:1: error: ${message}`);
    say(`llmbatch: 1 error in ${shownName}; nothing was ${done}`);
    return undefined;
  };
  let batch: LoadedBatch<BatchItemList>;
  try {
    if (isBatchJsonl(inputPath)) {
      // Read a megabyte at a time, on each pass: memory stays the same whatever the file's size.
      const file = RegularFile.open(inputPath, inputFileLimits.streamedInputBytes, 'a Batch input file');
      try {
        const { items, diagnostics } = readBatchInputLazily(file, { fileName: inputPath, provider: defaultProvider });
        batch = fromBatchInput(lazy ? items : [...items], diagnostics);
      } finally {
        // A lazy list reads the file again for the run, which ends with the process.
        if (!lazy) file.close();
      }
    } else {
      const decoded = decodeUtf8(readRegularFile(inputPath, inputFileLimits.wholeFileBytes, 'a .llmbatch file'));
      if (!decoded.ok) return void say(`${shownName}:${decoded.line + 1}:${decoded.column + 1}: error: ${decoded.message}`);
      batch = loadBatchText(decoded.text, { fileName: inputPath, defaultProvider });
    }
  } catch (error) {
    if (error instanceof InputFileError) return refuse(error.message);
    const code = (error as NodeJS.ErrnoException).code;
    say(`llmbatch: ${shownName}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(error)}`);
    return undefined;
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
