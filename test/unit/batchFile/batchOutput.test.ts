import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatBatchOutputLine, parseBatchOutput } from '../../../src/core/batchFile/batchJsonl';
import type { BatchResult, ChatCompletion, FailureResult, SuccessResult } from '../../../src/core/models';

const completion: ChatCompletion = {
  id: 'chatcmpl-9',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Blue.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 },
};

const success: SuccessResult = { ok: true, id: 'row-1', index: 0, statusCode: 200, requestId: 'req_abc', response: completion, cached: true, attempts: 1, latencyMs: 3 };
const httpFailure: FailureResult = { ok: false, id: 'row-2', index: 1, statusCode: 400, error: { code: 'invalid_request', message: 'temperature is not supported with this model' }, cached: false, attempts: 1, latencyMs: 120 };
const networkFailure: FailureResult = { ok: false, id: 'row-3', index: 2, error: { code: 'timeout', message: 'no answer within 60 s' }, cached: false, attempts: 4, latencyMs: 240_000 };

describe('formatBatchOutputLine', () => {
  it('writes a success in the Batch API output shape with llmbatch details', () => {
    const text = formatBatchOutputLine(success);
    assert.ok(!text.includes('\n'));
    assert.deepEqual(JSON.parse(text), {
      id: 'batch_req_0',
      custom_id: 'row-1',
      response: { status_code: 200, request_id: 'req_abc', body: completion },
      error: null,
      llmbatch: { cached: true, attempts: 1, latency_ms: 3 },
    });
  });

  it('writes an HTTP failure with its status and an OpenAI-style error body', () => {
    assert.deepEqual(JSON.parse(formatBatchOutputLine(httpFailure, { id: 'batch_req_custom' })), {
      id: 'batch_req_custom',
      custom_id: 'row-2',
      response: { status_code: 400, request_id: null, body: { error: { message: 'temperature is not supported with this model', code: 'invalid_request' } } },
      error: { code: 'invalid_request', message: 'temperature is not supported with this model' },
      llmbatch: { cached: false, attempts: 1, latency_ms: 120 },
    });
  });

  it('writes a failure without an HTTP answer with a null response', () => {
    const line = JSON.parse(formatBatchOutputLine(networkFailure)) as { response: unknown; error: unknown };
    assert.equal(line.response, null);
    assert.deepEqual(line.error, { code: 'timeout', message: 'no answer within 60 s' });
  });
});

describe('parseBatchOutput', () => {
  it('reads formatted lines back into the same results, by custom_id', () => {
    const results: BatchResult[] = [success, httpFailure, networkFailure];
    const text = `${results.map((result) => formatBatchOutputLine(result)).join('\n')}\n`;
    const parsed = parseBatchOutput(text);
    assert.deepEqual(parsed.diagnostics, []);
    assert.deepEqual([...parsed.results.keys()], ['row-1', 'row-2', 'row-3']);
    assert.deepEqual(parsed.results.get('row-1'), success);
    assert.deepEqual(parsed.results.get('row-2'), httpFailure);
    assert.deepEqual(parsed.results.get('row-3'), networkFailure);
  });

  it('reads output written by the OpenAI Batch API', () => {
    const text = [
      JSON.stringify({ id: 'batch_req_1', custom_id: 'a', response: { status_code: 200, request_id: 'req_1', body: completion }, error: null }),
      JSON.stringify({ id: 'batch_req_2', custom_id: 'b', response: { status_code: 429, request_id: 'req_2', body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } } }, error: null }),
      JSON.stringify({ id: 'batch_req_3', custom_id: 'c', response: null, error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' } }),
    ].join('\n');
    const { results, diagnostics } = parseBatchOutput(text);
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(results.get('a'), { ok: true, id: 'a', index: 0, statusCode: 200, requestId: 'req_1', response: completion, cached: false, attempts: 1, latencyMs: 0 });
    assert.deepEqual(results.get('b'), { ok: false, id: 'b', index: 1, statusCode: 429, error: { code: 'rate_limit_exceeded', message: 'Rate limit reached' }, cached: false, attempts: 1, latencyMs: 0 });
    assert.deepEqual(results.get('c'), { ok: false, id: 'c', index: 2, error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' }, cached: false, attempts: 1, latencyMs: 0 });
  });

  it('turns a 200 whose body is not a chat completion into a failure', () => {
    const text = JSON.stringify({ custom_id: 'a', response: { status_code: 200, body: { id: 'x', model: 'm', choices: [] } }, error: null });
    const result = parseBatchOutput(text).results.get('a');
    assert.equal(result?.ok, false);
    assert.equal(result?.ok === false && result.error.code, 'invalid_response');
  });

  it('reports unreadable lines and repeated custom_ids with their line', () => {
    const text = ['not json', '', formatBatchOutputLine(success), JSON.stringify({ id: 'x' }), formatBatchOutputLine({ ...success, index: 5 }), JSON.stringify({ custom_id: 'z', error: null })].join('\n');
    const { results, diagnostics } = parseBatchOutput(text, { fileName: 'out.jsonl' });
    assert.deepEqual([...results.keys()], ['row-1']);
    assert.deepEqual(
      diagnostics.map((d) => [d.range.startLine, d.range.file, d.message]),
      [
        [0, 'out.jsonl', 'Line is not valid JSON'],
        [3, 'out.jsonl', 'Line has no custom_id'],
        [4, 'out.jsonl', 'custom_id "row-1" has more than one result; the first is kept'],
        [5, 'out.jsonl', 'Line has neither a response nor an error'],
      ],
    );
  });
});
