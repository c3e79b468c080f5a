/**
 * What runs say to people: progress lines, log lines, the dry-run summary and
 * the decision to ask before a large run. Plain functions without the editor,
 * so they can be checked on their own.
 */
import type { ProgressEvent } from '../../core/engine/progressTracker';
import type { CostEstimate } from '../../core/pricing';
import { formatUsd } from '../../core/pricing';
import type { BatchResult } from '../../core/models';
import { redactSecrets } from '../../core/errors';
import { describeRateLimitWait } from '../../core/rateLimit/rateLimitWait';
import { printable } from '../../core/printable';

/**
 * `37/120 · 3 cached · 1 failed · 1.2k tok/s` — zero counts are left out. While
 * requests are held back for a second or more: `waiting for rate limit ·
 * resumes in 12 s`; after 429s, how many and the lowered in-flight limit:
 * `3 × 429 · 25 in flight at most` (the words of the command line's progress).
 */
export function formatProgress(
  progress: Pick<ProgressEvent, 'done' | 'total' | 'cached' | 'failed' | 'tokensPerSecond'> & Partial<Pick<ProgressEvent, 'rateLimited' | 'waitingForBudgetMs' | 'waitingFor' | 'rateLimited429s' | 'concurrency'>>,
): string {
  const parts = [`${progress.done}/${progress.total}`];
  if (progress.cached > 0) parts.push(`${progress.cached} cached`);
  if (progress.failed > 0) parts.push(`${progress.failed} failed`);
  if (progress.tokensPerSecond > 0) parts.push(`${compactNumber(progress.tokensPerSecond)} tok/s`);
  const waiting = budgetWait(progress);
  if (waiting) parts.push(waiting);
  if (progress.rateLimited429s) {
    parts.push(format429s(progress.rateLimited429s));
    if (progress.concurrency) parts.push(`${progress.concurrency} in flight at most`);
  }
  return parts.join(' · ');
}

/**
 * `waiting for rate limit (server: no requests left) · resumes in 12 s`, or
 * undefined when nothing waits a second or more: shorter waits are the normal
 * pacing under a budget.
 */
export function budgetWait(progress: Partial<Pick<ProgressEvent, 'rateLimited' | 'waitingForBudgetMs' | 'waitingFor'>>): string | undefined {
  const waitMs = progress.waitingForBudgetMs;
  if (!progress.rateLimited || waitMs === undefined || waitMs < 1000) return undefined;
  return `${describeRateLimitWait(progress.waitingFor)} · resumes in ${formatWait(waitMs)}`;
}

/** `3 × 429`: attempts the server turned away for exceeding its rate limit. */
export function format429s(count: number): string {
  return `${compactNumber(count)} × 429`;
}

/** Whole seconds up to a minute (`12 s`), then `2 min 5 s`: a countdown needs no tenths. */
function formatWait(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds - minutes * 60;
  return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
}

/** 950 → `950`, 1234 → `1.2k`, 56789 → `57k`, 1.5e6 → `1.5M`. */
export function compactNumber(value: number): string {
  const abs = Math.abs(value);
  const scaled = (n: number, unit: string) => `${n < 10 ? trim(n.toFixed(1)) : Math.round(n)}${unit}`;
  if (abs >= 1e6) return scaled(value / 1e6, 'M');
  if (abs >= 1e3) return scaled(value / 1e3, 'k');
  return String(Math.round(value));
}

function trim(fixed: string): string {
  return fixed.endsWith('.0') ? fixed.slice(0, -2) : fixed;
}

/** `translate[model=a] ok 200 · 1 attempt · 412 ms · 35+12 tok`, or the failure's code and message. */
export function formatResultLine(result: BatchResult): string {
  const attempts = `${result.attempts} attempt${result.attempts === 1 ? '' : 's'}`;
  const latency = `${Math.round(result.latencyMs)} ms`;
  if (result.ok) {
    const usage = result.response.usage;
    const tokens = usage ? `${usage.prompt_tokens}+${usage.completion_tokens} tok` : 'no usage';
    const status = result.cached ? 'cached' : `ok ${result.statusCode}`;
    return redactSecrets(`${result.id} ${status} · ${attempts} · ${latency} · ${tokens}`);
  }
  const status = result.statusCode === undefined ? '' : ` ${result.statusCode}`;
  return redactSecrets(`${result.id} failed ${result.error.code}${status} · ${attempts} · ${latency} · ${oneLine(result.error.message)}`);
}

/**
 * A message as the output channel gets it: redacted, and one line whatever it
 * quotes — control characters a server put in it, newlines included, become
 * visible escapes, so they neither drive the channel nor fake an entry.
 */
export function logLine(message: string): string {
  return printable(redactSecrets(message));
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 299)}…` : flat;
}

export interface ConfirmThresholds {
  readonly confirmAboveRequests: number;
  readonly confirmAboveUsd: number;
}

/**
 * Why a run should be confirmed before sending, or undefined to send at once.
 * Cached answers cost nothing, so only the requests still to send count; a 0
 * threshold turns that check off.
 */
export function confirmationReason(toSend: number, estimate: Pick<CostEstimate, 'usd'>, thresholds: ConfirmThresholds): string | undefined {
  const reasons: string[] = [];
  if (thresholds.confirmAboveRequests > 0 && toSend > thresholds.confirmAboveRequests) reasons.push(`${toSend} requests`);
  if (thresholds.confirmAboveUsd > 0 && estimate.usd !== undefined && estimate.usd > thresholds.confirmAboveUsd) {
    reasons.push(`an estimated ${formatUsd(estimate.usd)}`);
  }
  return reasons.length ? reasons.join(' costing ') : undefined;
}

/** The dry-run report: what would be sent, to which endpoints, and what it may cost. */
export function formatDryRun(input: {
  readonly ids: readonly string[];
  readonly estimate: CostEstimate;
  readonly cached: number;
  readonly endpoints: readonly string[];
}): { summary: string; detail: string } {
  const { ids, estimate, cached, endpoints } = input;
  const toSend = ids.length - cached;
  const cost =
    estimate.usd === undefined
      ? 'cost unknown (no price for these models)'
      : `≈ ${formatUsd(estimate.usd)}${estimate.unknownModels.length ? ' for the models with a known price' : ''}` +
        (estimate.batchUsd !== undefined ? ` (${formatUsd(estimate.batchUsd)} through the Batch API)` : '');
  const summary = `${ids.length} request${ids.length === 1 ? '' : 's'}${cached ? ` (${cached} cached, ${toSend} to send)` : ''} · ${cost}`;
  const shown = ids.slice(0, 8).join('\n  ');
  const lines = [
    `Requests: ${ids.length}${cached ? `, of which ${cached} already cached` : ''}`,
    `Estimated prompt tokens: ${estimate.promptTokens.toLocaleString('en-US')}`,
    `Completion tokens at most: ${estimate.completionTokens.toLocaleString('en-US')}`,
    `Estimated cost: ${cost}`,
    ...(estimate.unknownModels.length ? [`No price known for: ${estimate.unknownModels.join(', ')}`] : []),
    `Endpoints: ${endpoints.join(', ') || 'none'}`,
    `Ids:\n  ${shown}${ids.length > 8 ? `\n  … and ${ids.length - 8} more` : ''}`,
  ];
  return { summary, detail: lines.join('\n') };
}
