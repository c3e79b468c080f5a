import { createHash } from 'node:crypto';
import type { ChatCompletion, LLMRequest } from '../models';
import { chatCompletionSchema, isChatCompletion } from '../models';
import { APIConnectionError, APIError, InvalidResponseError, isSensitiveHeader, makeAPIError, redactSecrets, serverErrorMessage } from '../errors';
import type { ProviderResponse } from './provider';
import { Provider } from './provider';

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
  readonly fetch?: typeof globalThis.fetch;
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
  readonly #fetch: typeof globalThis.fetch;
  readonly #maxResponseBytes: number;
  // Keys without a known prefix (Azure's are plain hex) slip past pattern redaction when a server quotes them back.
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
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#maxResponseBytes = options.maxResponseBytes ?? defaultMaxResponseBytes;
    const headerSecrets = Object.entries(this.#headers)
      .filter(([name]) => isSensitiveHeader(name))
      .flatMap(([, value]) => [value, value.replace(/^(Bearer|Basic)\s+/i, '')]);
    this.#secrets = [this.#apiKey ?? '', ...headerSecrets].filter((secret) => secret.length >= 8);
    // Providers count limits per key and organisation; a digest tells keys apart without keeping one in a map key.
    const credentials = [this.#apiKey ?? '', ...Object.entries(this.#headers).filter(([name]) => isSensitiveHeader(name)).map(([name, value]) => `${name.toLowerCase()}=${value}`)];
    const digest = createHash('sha256').update(credentials.join('\n')).digest('hex').slice(0, 16);
    this.#rateLimitIdentity = `${this.apiBase} org=${this.#organization ?? ''} key=${digest}`;
    const headers = new Headers({ 'content-type': 'application/json', accept: 'application/json' });
    if (this.#apiKey) headers.set('authorization', `Bearer ${this.#apiKey}`);
    if (this.#organization) headers.set('openai-organization', this.#organization);
    for (const [name, value] of Object.entries(this.#headers)) headers.set(name, value);
    this.#requestHeaders = Object.fromEntries(headers.entries());
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

  async makeRequest(request: LLMRequest, signal: AbortSignal): Promise<ProviderResponse> {
    try {
      return await this.#attempt(request, signal);
    } catch (error) {
      throw withoutSecrets(error, this.#secrets);
    }
  }

  async #attempt(request: LLMRequest, signal: AbortSignal): Promise<ProviderResponse> {
    signal.throwIfAborted();
    const body = JSON.stringify(this.getRequestBody(request));
    const url = this.getRequestUrl(request);
    let response: Response;
    try {
      // A redirect to another host would carry the Authorization header with it, so none is followed.
      response = await this.#fetch(url, { method: 'POST', headers: this.getRequestHeaders(request), body, signal, redirect: 'manual' });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new APIConnectionError(`Connection error: ${describeFetchFailure(error)}`, { cause: error });
    }
    const { status, headers } = response;
    if (response.type === 'opaqueredirect' || (status >= 300 && status < 400)) {
      await response.body?.cancel().catch(() => undefined);
      const location = headers.get('location');
      throw new APIError(
        status,
        `${status} the server redirected${location ? ` to ${location}` : ''}; redirects are not followed so credentials stay with ${this.apiBase}. Set the API base to the final address.`,
        headers,
      );
    }
    const limit = this.#maxResponseBytes;
    const declared = Number(headers.get('content-length') ?? Number.NaN);
    let text: string | undefined;
    if (!(declared > limit)) {
      try {
        // A declared length within the limit bounds the body (fetch fails a longer one), so it is read whole.
        text = declared >= 0 ? await response.text() : await readTextUpTo(response, limit);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (!response.ok) throw makeAPIError(status, undefined, headers);
        throw new InvalidResponseError('truncated', status, `${status} the answer was cut off before it was complete.`, { cause: error });
      }
    }
    if (text === undefined) {
      await response.body?.cancel().catch(() => undefined);
      if (!response.ok) throw makeAPIError(status, undefined, headers);
      const size = declared > limit ? `is ${formatBytes(declared)}` : 'went on';
      throw new InvalidResponseError('too_large', status, `${status} the answer is too large: it ${size}, over the ${formatBytes(limit)} limit, so it was not read.`);
    }
    if (!response.ok) throw makeAPIError(status, parseJSONOrText(text), headers);
    return { body: parseChatCompletion(status, text), statusCode: status, requestId: headers.get('x-request-id') ?? undefined, headers };
  }
}

/** `error` with every occurrence of `secrets` in its message replaced. */
function withoutSecrets(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error)) return error;
  for (const secret of secrets) {
    if (error.message.includes(secret)) error.message = error.message.split(secret).join('[redacted]');
  }
  return error;
}

/** The body as text, or undefined as soon as it grows past `limit` bytes (the rest is never read). */
async function readTextUpTo(response: Response, limit: number): Promise<string | undefined> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  // Like `response.text()`: UTF-8 with a leading BOM dropped.
  return new TextDecoder().decode(Buffer.concat(chunks, size));
}

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return mib >= 1 ? `${Math.round(mib * 10) / 10} MB` : `${bytes} bytes`;
}

function parseJSONOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
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

function describeFetchFailure(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const parts = [typeof cause?.code === 'string' ? cause.code : undefined, typeof cause?.message === 'string' ? cause.message : undefined];
  const detail = parts.filter(Boolean).join(' ') || (error instanceof Error ? error.message : String(error));
  return redactSecrets(detail);
}
