import type { ChatCompletion, LLMRequest } from '../models';
import { InvalidRequestError } from '../errors';

/** What a provider hands back for one successful call. */
export interface ProviderResponse<Response = ChatCompletion> {
  readonly body: Response;
  readonly statusCode: number;
  readonly requestId?: string;
  readonly headers: HeaderReader;
}

/** What the engine reads of an answer's headers: fetch's `Headers` is one. */
export interface HeaderReader {
  /** The value of `name` (any case), repeated headers joined with `, `, or null. */
  get(name: string): string | null;
}

/** The part of a provider that decides whether two answers are interchangeable (the cache key). */
export interface ProviderIdentity {
  readonly providerId: string;
  readonly apiBase: string;
}

/**
 * Something that answers chat requests: an HTTP endpoint or an offline stand-in.
 *
 * `makeRequest` performs exactly one attempt; retries, timeouts, caching and
 * concurrency belong to the `RequestManager`. It must reject with the errors in
 * `errors.ts`, and when `signal` aborts it must reject with `signal.reason`, so
 * a per-attempt timeout and a cancelled batch stay distinguishable.
 */
export abstract class Provider<Response = ChatCompletion> {
  /** Profile id such as `openai` or `echo`; part of the cache identity. */
  abstract readonly id: string;
  /** Base URL (or pseudo-URL) of the endpoint; part of the cache identity. */
  abstract readonly apiBase: string;

  abstract getRequestUrl(request: LLMRequest): string;
  abstract getRequestHeaders(request: LLMRequest): Record<string, string>;
  abstract makeRequest(request: LLMRequest, signal: AbortSignal): Promise<ProviderResponse<Response>>;

  get identity(): ProviderIdentity {
    return { providerId: this.id, apiBase: this.apiBase };
  }

  /**
   * Which rate limits this provider's requests count against: providers with
   * the same value share them. Endpoint-wide unless a provider adds what its
   * server counts by (a key, through a hash of it, never the key itself).
   */
  get rateLimitIdentity(): string {
    return this.apiBase;
  }

  /** The JSON body for `request`; see {@link buildRequestBody}. */
  getRequestBody(request: LLMRequest): Record<string, unknown> {
    return buildRequestBody(request);
  }
}

// Engine-only fields that are never part of the wire format.
const localFields = new Set(['provider', 'stream']);

/**
 * The chat completions body for `request`: only the parameters the user set,
 * never `provider`, never `stream`. Batch answers are read as whole JSON, so a
 * request asking for `stream: true` is refused before anything is sent.
 */
export function buildRequestBody(request: LLMRequest): Record<string, unknown> {
  if (request.stream === true) {
    throw new InvalidRequestError('stream: true is not supported in batch runs (answers are collected whole); remove stream from the request.');
  }
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(request)) {
    if (value !== undefined && !localFields.has(name)) body[name] = value;
  }
  return body;
}

