/** Rows, items and results for the results panel tests. */
import type { BatchResult } from '../../../src/core/models';
import type { RunItemInfo } from '../../../src/extension/runs/runEvents';
import type { ResultRow } from '../../../src/webview/protocol';

export function row(id: string, fields: Partial<ResultRow> = {}): ResultRow {
  return { index: 0, id, variables: {}, parameters: {}, status: 'ok', ...fields };
}

export function item(index: number, id: string, fields: Partial<RunItemInfo> & { temperature?: number; content?: string } = {}): RunItemInfo {
  const { temperature, content, ...rest } = fields;
  return {
    index,
    id,
    provider: 'openai',
    model: 'gpt-4o-mini',
    request: {
      provider: 'openai',
      model: fields.model ?? 'gpt-4o-mini',
      messages: [{ role: 'user', content: content ?? `question ${id}` }],
      stream: false,
      ...(temperature !== undefined && { temperature }),
    },
    ...rest,
  };
}

export function answered(index: number, id: string, answer: string, fields: { cached?: boolean; promptTokens?: number; completionTokens?: number } = {}): BatchResult {
  return {
    ok: true,
    id,
    index,
    statusCode: 200,
    cached: fields.cached ?? false,
    attempts: 1,
    latencyMs: 120,
    requestId: `req_${id}`,
    response: {
      id: `chatcmpl-${id}`,
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
      usage: { prompt_tokens: fields.promptTokens ?? 10, completion_tokens: fields.completionTokens ?? 5, total_tokens: (fields.promptTokens ?? 10) + (fields.completionTokens ?? 5) },
    },
  };
}

export function failed(index: number, id: string, code = 'rate_limited', message = 'Too many requests'): BatchResult {
  return { ok: false, id, index, statusCode: code === 'cancelled' ? undefined : 429, cached: false, attempts: 3, latencyMs: 900, error: { code, message } } as BatchResult;
}
