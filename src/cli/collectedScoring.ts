/**
 * Scoring the answers `llmbatch status` collects from Batch API jobs by the
 * `expect:` lines of the submitted file as it reads now, so edited expectations
 * re-score collected answers too. Grader requests are live chat requests, which
 * `status` does not send: `llmbatch run` on the same file grades them, taking
 * every answer from the cache.
 */
import { loadBatchText } from '../core/batchFile/loadBatch';
import { inputFileLimits, readRegularFile } from '../core/inputFiles';
import type { BatchItem, BatchResult } from '../core/models';
import type { RequestOutcome } from '../core/expect/outcomes';
import { RunScoring } from '../core/expect/runScoring';

export interface CollectedScores {
  readonly scoring: RunScoring;
  /** Outcomes by result index. */
  readonly outcomes: Map<number, RequestOutcome>;
}

/** The scores of `results` by the expectations in `file`; undefined when it has none or cannot be read cleanly. */
export async function scoreCollected(file: string, results: readonly BatchResult[], shownFile: string): Promise<CollectedScores | undefined> {
  if (!/\.llmbatch$/i.test(file)) return undefined;
  let text: string;
  try {
    text = readRegularFile(file, inputFileLimits.wholeFileBytes, 'a .llmbatch file').toString('utf8');
  } catch {
    return undefined;
  }
  const batch = loadBatchText(text, { fileName: file, defaultProvider: 'openai' });
  if (batch.diagnostics.some((diagnostic) => diagnostic.severity === 'error')) return undefined;
  const scoring = await RunScoring.forItems(batch.items);
  if (!scoring) return undefined;
  const byId = new Map<string, BatchItem>(batch.items.map((item) => [item.id, item]));
  const outcomes = new Map<number, RequestOutcome>();
  for (const result of results) {
    const item = byId.get(result.id);
    if (!item) continue;
    const outcome = scoring.take(result, item);
    if (outcome && outcome !== 'waiting') outcomes.set(result.index, outcome);
  }
  scoring.settle([], (result, outcome) => outcomes.set(result.index, outcome), `judge checks of Batch API answers are graded by \`llmbatch run ${shownFile}\` (the answers come from the cache)`);
  return { scoring, outcomes };
}
