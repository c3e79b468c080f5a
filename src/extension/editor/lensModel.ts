/**
 * The CodeLens rows of a `.llmbatch` file, as plain data: "▶ Run all · 25 requests"
 * above the file, "▶ Run · 12 requests" above each block (with "· ✓ 10/12" once a
 * run has scored its expectations), and "⚠ 2 problems" where errors would stop a run.
 */
import type { PassCount } from '../../core/expect/outcomes';
import type { Diagnostic } from '../../core/diagnostics';
import type { LlmbatchDocument } from '../../core/language/syntax/document';
import type { ExpansionResult } from '../../core/language/expand/expansionResult';

export const runBatchCommand = 'llmbatch.runBatch';
export const runBlockCommand = 'llmbatch.runBlock';
export const dryRunCommand = 'llmbatch.dryRun';
export const showProblemsCommand = 'workbench.actions.view.problems';

export interface LensSpec {
  /** 0-based line the lens sits above. */
  readonly line: number;
  readonly title: string;
  readonly tooltip: string;
  readonly command: string;
  /** Besides the document uri (added by the provider) for run commands. */
  readonly blockIndex?: number;
  readonly withUri: boolean;
}

/** 12345 → "12,345" (toLocaleString is slow enough to matter over thousands of lenses). */
export function formatCount(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+$)/g, ',');
}

function requests(count: number): string {
  return `${formatCount(count)} request${count === 1 ? '' : 's'}`;
}

function problems(count: number): string {
  return `⚠ ${formatCount(count)} problem${count === 1 ? '' : 's'}`;
}

function errorsWithin(diagnostics: readonly Diagnostic[], startLine: number, endLine: number): number {
  let count = 0;
  for (const diagnostic of diagnostics) {
    if (diagnostic.severity === 'error' && diagnostic.range.startLine <= endLine && diagnostic.range.endLine >= startLine) count++;
  }
  return count;
}

/** `passRateOf` gives a block's pass count in the file's latest run, by block name. */
export function lensesFor(document: LlmbatchDocument, expansion: ExpansionResult, passRateOf?: (block: string) => PassCount | undefined): LensSpec[] {
  const lenses: LensSpec[] = [];
  const { blocks } = document;
  if (blocks.length === 0) return lenses;
  const errors = expansion.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
  const total = expansion.blocks.reduce((sum, summary) => sum + summary.requestCount, 0);
  const firstBlockLine = blocks[0]?.implicit ? 0 : (blocks[0]?.separatorRange.startLine ?? 0);
  // The file lens sits on the first line the header uses, or above the first block.
  const fileLine = document.header.settings.length > 0 || document.header.messages.length > 0 ? document.header.range.startLine : firstBlockLine;
  // A file with errors is refused as a whole, so its lenses point at the problems instead of running.
  if (errors.length > 0) {
    lenses.push({ line: fileLine, title: problems(errors.length), tooltip: 'Errors stop this file from running: show them in the Problems view', command: showProblemsCommand, withUri: false });
  } else {
    lenses.push({ line: fileLine, title: `▶ Run all · ${requests(total)}`, tooltip: `Send every request of this file (${requests(total)})`, command: runBatchCommand, withUri: true });
    lenses.push({ line: fileLine, title: 'Dry run', tooltip: 'Count the requests and estimate tokens and cost without sending anything', command: dryRunCommand, withUri: true });
  }
  if (blocks.length === 1 && blocks[0]?.implicit) return lenses;
  const summaries = new Map(expansion.blocks.map((summary) => [summary.index, summary]));
  for (const block of blocks) {
    const summary = summaries.get(block.index);
    const line = block.separatorRange.startLine;
    const count = summary?.requestCount ?? 0;
    const blockErrors = errorsWithin(errors, block.range.startLine, block.range.endLine);
    if (blockErrors > 0) {
      lenses.push({ line, title: problems(blockErrors), tooltip: 'Errors in this block: show them in the Problems view', command: showProblemsCommand, withUri: false });
    } else if (errors.length > 0) {
      lenses.push({ line, title: requests(count), tooltip: 'Fix the problems elsewhere in this file to run it', command: showProblemsCommand, withUri: false });
    } else {
      const name = summary?.name ?? block.name ?? `#${block.index + 1}`;
      const rate = passRateOf?.(name);
      const title = `▶ Run · ${requests(count)}${rate ? ` · ✓ ${formatCount(rate.passed)}/${formatCount(rate.scored)}` : ''}`;
      const scored = rate ? `; in the last run ${formatCount(rate.passed)} of ${formatCount(rate.scored)} answers passed their expect: checks` : '';
      lenses.push({ line, title, tooltip: `Send the requests of block "${name}" (${requests(count)})${scored}`, command: runBlockCommand, blockIndex: block.index, withUri: true });
    }
  }
  return lenses;
}
