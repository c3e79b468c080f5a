/**
 * Turns what a run knows about a request (its item info and, once there, its
 * result) into the row and the detail the webview shows. Pure: no VS Code here.
 */
import type { BatchResult, ChatCompletion, Usage } from '../../core/models';
import type { RunItemInfo } from '../runs/runEvents';
import type { RequestOutcome } from '../../core/expect/outcomes';
import type { DetailCheck, DetailMessage, ResultRow, RowChecks, RowDetail, RowStatus } from '../../webview/protocol';

export type CostFunction = (model: string | undefined, usage: Usage | undefined) => number | undefined;

/** Request fields that are not shown as parameters. */
const notParameters = new Set(['messages', 'model', 'provider', 'stream']);

// Rows carry whole answers for the text filter and the compare view; past this the detail has the rest.
const maxRowAnswer = 20_000;

/** A display string for a swept value or a parameter. */
export function displayValue(value: unknown, maxLength = 200): string {
  const text = typeof value === 'string' ? value : value === undefined ? '' : (JSON.stringify(value) ?? String(value));
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}

function displayRecord(record: Readonly<Record<string, unknown>> | undefined, skip?: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  if (!record || typeof record !== 'object') return out;
  for (const [name, value] of Object.entries(record)) if (value !== undefined && !skip?.has(name)) out[name] = displayValue(value);
  return out;
}

function requestObject(request: unknown): Record<string, unknown> {
  return request && typeof request === 'object' && !Array.isArray(request) ? (request as Record<string, unknown>) : {};
}

/** The answer text of a completion: every choice's content, tool calls as JSON. */
export function answerText(response: ChatCompletion): string {
  const texts = response.choices.map((choice) => {
    const content = choice.message.content ?? '';
    const tools = choice.message.tool_calls?.length ? JSON.stringify(choice.message.tool_calls, null, 2) : '';
    return content && tools ? `${content}\n${tools}` : content || tools;
  });
  if (texts.length === 1) return texts[0] ?? '';
  return texts.map((text, i) => `[choice ${i + 1}]\n${text}`).join('\n\n');
}

export function statusOf(result: BatchResult | undefined, running: boolean): RowStatus {
  if (!result) return running ? 'running' : 'cancelled';
  if (result.ok) return result.via === 'batch' ? 'batch' : result.cached ? 'cached' : 'ok';
  return result.error.code === 'cancelled' ? (running ? 'running' : 'cancelled') : 'failed';
}

function errorText(result: BatchResult): string | undefined {
  if (result.ok) return undefined;
  return result.error.code ? `${result.error.code}: ${result.error.message}` : result.error.message;
}

export interface RowOptions {
  /** Whether an answer may still come for a request without one. */
  readonly running: boolean;
  readonly costOf?: CostFunction;
  /** Keep the whole answer (exports) instead of cutting it for the table. */
  readonly fullAnswer?: boolean;
  /** The verdict of the request's `expect:` lines, once scored. */
  readonly outcome?: RequestOutcome;
}

/** The checks column's figures: how many of the answer's checks passed. */
export function rowChecks(outcome: RequestOutcome): RowChecks {
  let passed = 0;
  let error = false;
  for (const check of outcome.checks) {
    if (check.pass) passed++;
    if (check.error) error = true;
  }
  return { passed, total: outcome.checks.length, ...(error && { error: true as const }) };
}

function detailChecks(outcome: RequestOutcome): DetailCheck[] {
  return outcome.checks.map((check) => ({ check: check.check, pass: check.pass, reason: check.reason, ...(check.error && { error: true as const }), hasSource: check.range !== undefined }));
}

/** The table row for `item` and its result, if any. */
export function buildRow(item: RunItemInfo, result: BatchResult | undefined, options: RowOptions): ResultRow {
  const { running, costOf } = options;
  const request = requestObject(item.request);
  const model = item.model ?? (typeof request['model'] === 'string' ? request['model'] : undefined) ?? (result?.ok ? result.response.model : undefined);
  const base = {
    index: item.index,
    id: item.id,
    ...(item.block !== undefined && { block: item.block }),
    ...(model !== undefined && { model }),
    variables: displayRecord(item.variables),
    parameters: displayRecord(request, notParameters),
    status: statusOf(result, running),
  };
  if (!result || (!result.ok && result.error.code === 'cancelled')) return base;
  const meta = { latencyMs: result.latencyMs, attempts: result.attempts };
  if (!result.ok) return { ...base, ...meta, error: errorText(result) };
  const usage = result.response.usage;
  const answer = answerText(result.response);
  // The requested name finds the price first; a dated snapshot in the response is the fallback.
  const cost = costOf?.(model, usage) ?? costOf?.(result.response.model, usage);
  return {
    ...base,
    ...meta,
    ...(usage && { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens }),
    ...(cost !== undefined && { costUsd: cost }),
    answer: !options.fullAnswer && answer.length > maxRowAnswer ? `${answer.slice(0, maxRowAnswer)}…` : answer,
    ...(result.response.choices[0]?.finish_reason && { finishReason: result.response.choices[0].finish_reason }),
    ...(options.outcome && { checks: rowChecks(options.outcome) }),
  };
}

function messageText(message: unknown): DetailMessage {
  const record = requestObject(message);
  const role = typeof record['role'] === 'string' ? record['role'] : 'unknown';
  const content = record['content'];
  let text = typeof content === 'string' ? content : content === null || content === undefined ? '' : JSON.stringify(content, null, 2);
  const extra = { ...record };
  delete extra['role'];
  delete extra['content'];
  if (Object.keys(extra).length) text += `${text ? '\n' : ''}${JSON.stringify(extra, null, 2)}`;
  return { role, content: text };
}

/** Everything the detail view shows for `item`. */
export function buildDetail(item: RunItemInfo, result: BatchResult | undefined, running: boolean, outcome?: RequestOutcome): RowDetail {
  const request = requestObject(item.request);
  const messages = Array.isArray(request['messages']) ? request['messages'].map(messageText) : [];
  const row = buildRow(item, result, { running });
  const detail: RowDetail = {
    id: item.id,
    messages,
    parameters: row.parameters,
    variables: row.variables,
    requestJson: JSON.stringify(item.request, null, 2) ?? '',
    hasSource: item.source !== undefined,
  };
  if (!result) return detail;
  const common = { ...detail, attempts: result.attempts, latencyMs: result.latencyMs, cached: result.cached, ...(result.via === 'batch' && { via: 'batch' as const }), ...(result.statusCode !== undefined && { statusCode: result.statusCode }) };
  if (!result.ok) return { ...common, error: errorText(result) ?? '', responseJson: JSON.stringify(result.error, null, 2) };
  const usage = result.response.usage;
  return {
    ...common,
    answer: answerText(result.response),
    ...(result.response.choices[0]?.finish_reason && { finishReason: result.response.choices[0].finish_reason }),
    ...(usage && { usage: { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, totalTokens: usage.total_tokens } }),
    ...(result.requestId !== undefined && { requestId: result.requestId }),
    responseJson: JSON.stringify(result.response, null, 2),
    ...(outcome && { checks: detailChecks(outcome) }),
  };
}
