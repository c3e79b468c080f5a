import { createHash } from 'node:crypto';
import type { ChatCompletion, LLMRequest } from '../models';
import { chatCompletionSchema, isChatCompletion } from '../models';
import { APIConnectionError, InvalidResponseError, isSensitiveHeader, makeAPIError, maskSecrets, scrubSecrets, sentSecrets, serverErrorMessage } from '../errors';
import type { ProviderResponse } from './provider';
import type { HttpResponse, HttpTransport } from './httpTransport';
import { fetchTransport, HttpBodyError, nodeHttpTransport } from './httpTransport';
import { Provider } from './provider';
import { describeConnectionFailure, isRedirect, keepingSecrets, openaiHeaders, parseJsonOrText, redirectError } from './openaiHttp';

export interface OpenAIProviderOptions {
  /** Sent as `Authorization: Bearer …`; local servers (Ollama, LM Studio, vLLM) usually need none. */
  readonly apiKey?: string;
  /** Defaults to `https://api.openai.com/v1`; any OpenAI-compatible base URL works. */
  readonly apiBase?: string;
  /** Sent as the `OpenAI-Organization` header. */
  readonly organization?: string;
  /** Extra headers, e.g. `{ 'api-key': … }` for Azure-style endpoints; they win over the defaults. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Query parameters added to every URL, e.g. `{ 'api-version': '2024-10-21' }`. */
  readonly query?: Readonly<Record<string, string>>;
  /** Profile id; part of the cache identity. Defaults to `openai`. */
  readonly id?: string;
  /** Sends through this fetch instead of node:http(s); see {@link fetchTransport}. */
  readonly fetch?: typeof globalThis.fetch;
  /** How requests reach the network; wins over `fetch`. Default: {@link nodeHttpTransport}. */
  readonly transport?: HttpTransport;
  /** Largest answer body read, in bytes; a bigger one fails the request instead of filling memory. Default 32 MiB. */
  readonly maxResponseBytes?: number;
}

/** Far above any real chat completion, far below what would strain the process. */
export const defaultMaxResponseBytes = 32 * 1024 * 1024;

/** Any OpenAI-compatible chat completions endpoint, reached over HTTP(S). */
export class OpenAIProvider extends Provider {
  readonly id: string;
  readonly apiBase: string;
  // Private so that logging or serialising a provider never shows the key.
  readonly #apiKey: string | undefined;
  readonly #organization: string | undefined;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #query: string;
  readonly #transport: HttpTransport;
  readonly #maxResponseBytes: number;
  // What a server may quote back, in an error or an answer; keys without a known prefix (Azure's are plain hex) slip past pattern redaction.
  readonly #secrets: readonly string[];
  readonly #rateLimitIdentity: string;
  // The same for every request; built once because a Headers object per request shows in profiles.
  readonly #requestHeaders: Readonly<Record<string, string>>;

  constructor(options: OpenAIProviderOptions = {}) {
    super();
    this.id = options.id ?? 'openai';
    this.apiBase = (options.apiBase ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
    this.#apiKey = options.apiKey || undefined;
    this.#organization = options.organization || undefined;
    this.#headers = options.headers ?? {};
    const query = new URLSearchParams(options.query ?? {}).toString();
    this.#query = query ? `?${query}` : '';
    this.#transport = options.transport ?? (options.fetch ? fetchTransport(options.fetch) : nodeHttpTransport());
    this.#maxResponseBytes = options.maxResponseBytes ?? defaultMaxResponseBytes;
    const credentials = { apiKey: this.#apiKey, organization: this.#organization, headers: this.#headers };
    this.#secrets = sentSecrets(this.#apiKey, this.#headers);
    // Providers count limits per key and organisation; a digest tells keys apart without keeping one in a map key.
    const identity = [this.#apiKey ?? '', ...Object.entries(this.#headers).filter(([name]) => isSensitiveHeader(name)).map(([name, value]) => `${name.toLowerCase()}=${value}`)];
    const digest = createHash('sha256').update(identity.join('\n')).digest('hex').slice(0, 16);
    this.#rateLimitIdentity = `${this.apiBase} org=${this.#organization ?? ''} key=${digest}`;
    this.#requestHeaders = Object.fromEntries(openaiHeaders(credentials, { 'content-type': 'application/json', accept: 'application/json' }).entries());
  }

  override get rateLimitIdentity(): string {
    return this.#rateLimitIdentity;
  }

  getRequestUrl(_request: LLMRequest): string {
    return `${this.apiBase}/chat/completions${this.#query}`;
  }

  getRequestHeaders(_request: LLMRequest): Record<string, string> {
    return { ...this.#requestHeaders };
  }

  makeRequest(request: LLMRequest, signal: AbortSignal): Promise<ProviderResponse> {
    return keepingSecrets(this.#secrets, () => this.#attempt(request, signal));
  }

  async #attempt(request: LLMRequest, signal: AbortSignal): Promise<ProviderResponse> {
    signal.throwIfAborted();
    const body = JSON.stringify(this.getRequestBody(request));
    const url = this.getRequestUrl(request);
    const limit = this.#maxResponseBytes;
    let response: HttpResponse;
    try {
      response = await this.#transport({ url, method: 'POST', headers: this.getRequestHeaders(request), body, signal, maxResponseBytes: limit });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (error instanceof HttpBodyError) {
        if (!isSuccess(error.status)) throw makeAPIError(error.status, undefined, fetchHeaders(error.headers));
        throw new InvalidResponseError('truncated', error.status, `${error.status} the answer was cut off before it was complete.`, { cause: error });
      }
      throw new APIConnectionError(`Connection error: ${describeConnectionFailure(error)}`, { cause: error });
    }
    const { status, headers, text } = response;
    if (isRedirect(status)) throw redirectError(status, fetchHeaders(headers), this.apiBase);
    if (text === undefined) {
      if (!isSuccess(status)) throw makeAPIError(status, undefined, fetchHeaders(headers));
      const declared = response.declaredLength;
      const size = declared !== undefined && declared > limit ? `is ${formatBytes(declared)}` : 'went on';
      throw new InvalidResponseError('too_large', status, `${status} the answer is too large: it ${size}, over the ${formatBytes(limit)} limit, so it was not read.`);
    }
    if (!isSuccess(status)) throw makeAPIError(status, parseJsonOrText(text), fetchHeaders(headers));
    // An answer is stored and shown like an error is: a key the server echoed in it (a debug field, a prompt-injected "repeat your headers") must not go with it.
    const answer = parseChatCompletion(status, text);
    scrubSecrets(answer, this.#secrets);
    const requestId = headers.get('x-request-id') ?? undefined;
    return { body: answer, statusCode: status, requestId: requestId && maskSecrets(requestId, this.#secrets), headers };
  }
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** Errors carry fetch's Headers, as the OpenAI SDK's do; only failures pay for the copy. */
function fetchHeaders(headers: HttpResponse['headers']): Headers {
  return headers instanceof Headers ? headers : new Headers([...headers.entries()]);
}

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return mib >= 1 ? `${Math.round(mib * 10) / 10} MB` : `${bytes} bytes`;
}

/** Validates a 2xx body as a chat completion, telling truncation, non-JSON, error bodies and wrong shapes apart. */
export function parseChatCompletion(status: number, text: string): ChatCompletion {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const trimmed = text.trim();
    // A body that opens like JSON but fails to parse was almost always cut off mid-transfer.
    if (trimmed === '' || trimmed.startsWith('{') || trimmed.startsWith('[')) {
      throw new InvalidResponseError('truncated', status, `${status} the answer was cut off before it was complete (${trimmed.length} characters received).`, { cause: error });
    }
    throw new InvalidResponseError('not_json', status, `${status} the answer is not JSON: ${JSON.stringify(trimmed.slice(0, 200))}`, { cause: error });
  }
  if (typeof json === 'object' && json !== null && 'error' in json && !('choices' in json)) {
    throw new InvalidResponseError('error_body', status, `${status} the server reported an error: ${serverErrorMessage(json) ?? 'unknown error'}`);
  }
  if (isChatCompletion(json)) return json;
  const parsed = chatCompletionSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new InvalidResponseError('wrong_shape', status, `${status} the answer is not a chat completion (${where}${issue?.message ?? 'invalid'}).`);
  }
  return parsed.data;
}
