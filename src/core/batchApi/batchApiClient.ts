/**
 * The few calls of the OpenAI Files and Batches APIs a batch job needs: upload
 * the input, create the job, look at it, cancel it, download its files.
 *
 * Like the chat provider it never follows a redirect (the key would travel to
 * wherever the redirect points) and it keeps the key out of every message and
 * of every answer: batch objects, and the output files whose answers go to the cache.
 */
import type { z } from 'zod';
import { APIConnectionError, InvalidResponseError, makeAPIError, maskSecretsInJson, sentSecrets } from '../errors';
import { timeoutSignal } from '../engine/timers';
import type { OpenAICredentials } from '../providers/openaiHttp';
import { describeConnectionFailure, isRedirect, keepingSecrets, openaiHeaders, parseJsonOrText, redirectError } from '../providers/openaiHttp';
import type { BatchObject, FileObject } from './batchObjects';
import { batchObjectSchema, fileObjectSchema } from './batchObjects';

/** What the job runner needs from a Batch API; `BatchApiClient` is the HTTP one. */
export interface BatchApi {
  /** Base URL the calls go to, e.g. `https://api.openai.com/v1`. */
  readonly apiBase: string;
  uploadFile(content: string, options?: { fileName?: string; signal?: AbortSignal }): Promise<FileObject>;
  createBatch(inputFileId: string, options?: { metadata?: Readonly<Record<string, string>>; signal?: AbortSignal }): Promise<BatchObject>;
  retrieveBatch(batchId: string, signal?: AbortSignal): Promise<BatchObject>;
  cancelBatch(batchId: string, signal?: AbortSignal): Promise<BatchObject>;
  fileContent(fileId: string, signal?: AbortSignal): Promise<string>;
}

export interface BatchApiClientOptions {
  /** Normalised base URL (no trailing slash). */
  readonly apiBase: string;
  /** Sent as `Authorization: Bearer …`; see `keyOptions` for who may receive it. */
  readonly apiKey?: string;
  /** Extra headers (Azure's `api-key`, profile headers); they win over the defaults. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly organization?: string;
  readonly fetch?: typeof globalThis.fetch;
  /** Limit of one call other than an upload. Default 60 s. */
  readonly timeoutMs?: number;
  /** Limit of one upload, which may be 200 MB. Default 15 min. */
  readonly uploadTimeoutMs?: number;
}

/** The only endpoint llmbatch sends through the Batch API. */
export const batchEndpoint = '/v1/chat/completions';
/** The only completion window the Batch API offers. */
export const completionWindow = '24h';

export class BatchApiClient implements BatchApi {
  readonly apiBase: string;
  readonly #credentials: OpenAICredentials;
  readonly #secrets: readonly string[];
  readonly #fetch: typeof globalThis.fetch;
  readonly #timeoutMs: number;
  readonly #uploadTimeoutMs: number;

  constructor(options: BatchApiClientOptions) {
    this.apiBase = options.apiBase.replace(/\/+$/, '');
    this.#credentials = { apiKey: options.apiKey || undefined, organization: options.organization || undefined, headers: options.headers ?? {} };
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#uploadTimeoutMs = options.uploadTimeoutMs ?? 15 * 60_000;
    this.#secrets = sentSecrets(this.#credentials.apiKey, this.#credentials.headers);
  }

  /** `POST /files` with purpose `batch`, as multipart form data. */
  async uploadFile(content: string, options: { fileName?: string; signal?: AbortSignal } = {}): Promise<FileObject> {
    const form = new FormData();
    form.append('purpose', 'batch');
    form.append('file', new Blob([content], { type: 'application/jsonl' }), options.fileName ?? 'llmbatch-input.jsonl');
    const text = await this.#call('POST', '/files', { body: form, signal: options.signal, timeoutMs: this.#uploadTimeoutMs });
    return parseObject(text, fileObjectSchema, 'file');
  }

  /** `POST /batches` for the chat completions endpoint with the 24 h window. */
  async createBatch(inputFileId: string, options: { metadata?: Readonly<Record<string, string>>; signal?: AbortSignal } = {}): Promise<BatchObject> {
    const body = JSON.stringify({ input_file_id: inputFileId, endpoint: batchEndpoint, completion_window: completionWindow, ...(options.metadata && { metadata: options.metadata }) });
    const text = await this.#call('POST', '/batches', { body, json: true, signal: options.signal });
    return parseObject(text, batchObjectSchema, 'batch');
  }

  async retrieveBatch(batchId: string, signal?: AbortSignal): Promise<BatchObject> {
    return parseObject(await this.#call('GET', `/batches/${encodeURIComponent(batchId)}`, { signal }), batchObjectSchema, 'batch');
  }

  async cancelBatch(batchId: string, signal?: AbortSignal): Promise<BatchObject> {
    return parseObject(await this.#call('POST', `/batches/${encodeURIComponent(batchId)}/cancel`, { signal }), batchObjectSchema, 'batch');
  }

  /** The whole content of an output or error file, as text. */
  async fileContent(fileId: string, signal?: AbortSignal): Promise<string> {
    return this.#call('GET', `/files/${encodeURIComponent(fileId)}/content`, { signal, timeoutMs: this.#uploadTimeoutMs });
  }

  #call(method: string, path: string, options: { body?: string | FormData; json?: boolean; signal?: AbortSignal | undefined; timeoutMs?: number }): Promise<string> {
    return keepingSecrets(this.#secrets, () => this.#send(method, path, options));
  }

  async #send(method: string, path: string, options: { body?: string | FormData; json?: boolean; signal?: AbortSignal | undefined; timeoutMs?: number }): Promise<string> {
    const headers = openaiHeaders(this.#credentials, options.json ? { accept: 'application/json', 'content-type': 'application/json' } : { accept: 'application/json' });
    const timeout = timeoutSignal(options.timeoutMs ?? this.#timeoutMs, () => new DOMException('The operation timed out.', 'TimeoutError'));
    const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
    const url = `${this.apiBase}${path}`;
    try {
      let response: Response;
      try {
        response = await this.#fetch(url, { method, headers, ...(options.body !== undefined && { body: options.body }), signal, redirect: 'manual' });
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (timeout.signal.aborted) throw new APIConnectionError(`${method} ${url} got no answer within ${Math.round((options.timeoutMs ?? this.#timeoutMs) / 1000)} s`, { cause: error }, 'timeout');
        throw new APIConnectionError(`Connection error: ${method} ${url}: ${describeConnectionFailure(error)}`, { cause: error });
      }
      if (response.type === 'opaqueredirect' || isRedirect(response.status)) {
        await response.body?.cancel().catch(() => undefined);
        throw redirectError(response.status, response.headers, this.apiBase);
      }
      const text = await response.text();
      if (!response.ok) throw makeAPIError(response.status, parseJsonOrText(text), response.headers);
      return maskSecretsInJson(text, this.#secrets);
    } finally {
      timeout.clear();
    }
  }
}

function parseObject<Schema extends z.ZodType>(text: string, schema: Schema, what: string): z.infer<Schema> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InvalidResponseError('not_json', 200, `the ${what} answer is not JSON: ${JSON.stringify(text.slice(0, 200))}`, { cause: error });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new InvalidResponseError('wrong_shape', 200, `the answer is not a ${what} object (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}
