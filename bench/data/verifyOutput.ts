/**
 * Checks a results file in the OpenAI Batch output shape against the batch the
 * bench generated: one line per request, each answer belonging to its own request.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { expectedAnswer, indexOfRequestId } from './batchFiles';

export interface OutputCheck {
  readonly lines: number;
  /** Lines whose answer is the one the server gave to that very request. */
  readonly answered: number;
  /** Lines carrying an error instead of an answer, by error code. */
  readonly failed: Readonly<Record<string, number>>;
  /** Answers that belong to another request, or lines that cannot be read. */
  readonly mismatched: number;
  /** Requests without a line. */
  readonly missing: number;
  readonly duplicates: number;
  /** Answered lines that llmbatch marked as coming from its cache. */
  readonly cached: number;
  /** Whether line i answers request i. */
  readonly inInputOrder: boolean;
}

export function failedCount(check: OutputCheck): number {
  return Object.values(check.failed).reduce((sum, count) => sum + count, 0);
}

/** True when every request has exactly one line and it carries its own answer. */
export function allAnswered(check: OutputCheck, count: number): boolean {
  return check.answered === count && check.mismatched === 0 && check.missing === 0 && check.duplicates === 0 && failedCount(check) === 0;
}

interface OutputLine {
  custom_id?: unknown;
  response?: { status_code?: unknown; body?: { choices?: Array<{ message?: { content?: unknown } }> } } | null;
  error?: { code?: unknown } | null;
  llmbatch?: { cached?: unknown };
}

export type LineVerdict = { index: number; verdict: 'answered'; cached: boolean } | { index: number; verdict: 'mismatched' } | { index: number; verdict: 'failed'; code: string };

export function checkLine(text: string, count: number): LineVerdict {
  let line: OutputLine;
  try {
    line = JSON.parse(text) as OutputLine;
  } catch {
    return { index: -1, verdict: 'mismatched' };
  }
  const index = indexOfRequestId(line.custom_id);
  if (index < 0 || index >= count) return { index: -1, verdict: 'mismatched' };
  if (line.error) return { index, verdict: 'failed', code: typeof line.error.code === 'string' ? line.error.code : 'unknown' };
  const content = line.response?.body?.choices?.[0]?.message?.content;
  if (line.response?.status_code !== 200 || content !== expectedAnswer(index)) return { index, verdict: 'mismatched' };
  return { index, verdict: 'answered', cached: line.llmbatch?.cached === true };
}

export async function verifyOutputFile(path: string, count: number): Promise<OutputCheck> {
  const seen = new Uint8Array(count);
  const failed: Record<string, number> = {};
  let lines = 0;
  let answered = 0;
  let mismatched = 0;
  let duplicates = 0;
  let cached = 0;
  let inInputOrder = true;
  const reader = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const text of reader) {
    if (text.trim() === '') continue;
    const position = lines++;
    const result = checkLine(text, count);
    if (result.index !== position) inInputOrder = false;
    if (result.index >= 0) {
      if (seen[result.index]) {
        duplicates++;
        continue;
      }
      seen[result.index] = 1;
    }
    if (result.verdict === 'answered') {
      answered++;
      if (result.cached) cached++;
    }
    else if (result.verdict === 'mismatched') mismatched++;
    else failed[result.code] = (failed[result.code] ?? 0) + 1;
  }
  const missing = count - seen.reduce((sum, flag) => sum + flag, 0);
  return { lines, answered, failed, mismatched, missing, duplicates, cached, inInputOrder };
}
