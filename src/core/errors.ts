/**
 * The errors a request can end with. Each carries a stable `code` that result
 * records, logs and the UI use, so callers never have to parse messages.
 *
 * Messages must be safe to show and to write into result files: anything that
 * may echo a credential goes through {@link redactSecrets}.
 */

/** Stable identifiers of every failure a result record can carry. */
export type ErrorCode =
  | 'bad_request'
  | 'authentication'
  | 'permission_denied'
  | 'not_found'
  | 'conflict'
  | 'unprocessable_entity'
  | 'rate_limit'
  | 'server_error'
  | 'request_timeout'
  | 'redirect'
  | 'api_error'
  | 'connection'
  | 'timeout'
  | 'invalid_response'
  | 'invalid_request'
  | 'cancelled'
  | 'provider_error';

const secretPatterns: readonly [RegExp, string][] = [
  // Token-shaped only, so prose such as "a bearer of news" survives.
  [/\b([Bb]earer)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 [redacted]'],
  [/\bsk-[A-Za-z0-9_*.-]{3,}/g, 'sk-[redacted]'],
  [/("?(?:api[-_]?key|authorization|x-api-key)"?\s*[:=]\s*"?)[^\s"',;]+/gi, '$1[redacted]'],
];

/** Replaces bearer tokens, `sk-…` keys and `api-key: …` values in `text`. */
export function redactSecrets(text: string): string {
  let result = text;
  for (const [pattern, replacement] of secretPatterns) result = result.replace(pattern, replacement);
  return result;
}

const sensitiveHeaders = new Set(['authorization', 'api-key', 'x-api-key', 'proxy-authorization', 'cookie', 'set-cookie']);

/** Whether a header carries credentials (`authorization`, `api-key`, cookies…). */
export function isSensitiveHeader(name: string): boolean {
  return sensitiveHeaders.has(name.toLowerCase());
}

/** Shorter secrets are too likely to be ordinary words to mask. */
const minSecretLength = 8;

/**
 * The credentials a client sends, as a server could quote them back: the key,
 * and the value of each credential header (`authorization`, `api-key`…) with
 * and without its `Bearer`/`Basic` scheme. Longest first, so a whole header
 * value is masked before the key inside it.
 */
export function sentSecrets(apiKey: string | undefined, headers: Readonly<Record<string, string>> = {}): string[] {
  const headerValues = Object.entries(headers)
    .filter(([name]) => isSensitiveHeader(name))
    .flatMap(([, value]) => [value, value.replace(/^(Bearer|Basic)\s+/i, '')]);
  const secrets = new Set([apiKey ?? '', ...headerValues].filter((secret) => secret.length >= minSecretLength));
  return [...secrets].sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of each of `secrets` replaced by `[redacted]`. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= minSecretLength && result.includes(secret)) result = result.split(secret).join('[redacted]');
  }
  return result;
}

/**
 * Masks each of `secrets` in every string of a parsed JSON `value` — field
 * names included — changing it in place; whether anything was masked. Walks
 * without recursion, so no nesting depth can overflow the stack. For answers,
 * whose text must otherwise stay exactly as the server wrote it.
 */
export function scrubSecrets(value: unknown, secrets: readonly string[]): boolean {
  if (secrets.length === 0 || typeof value !== 'object' || value === null) return false;
  let changed = false;
  const pending: object[] = [value];
  for (let container = pending.pop(); container !== undefined; container = pending.pop()) {
    const record = container as Record<string, unknown>;
    for (const name of Object.keys(record)) {
      const item = record[name];
      const field = Array.isArray(record) ? name : maskSecrets(name, secrets);
      if (field !== name) {
        delete record[name];
        record[field] = item;
        changed = true;
      }
      if (typeof item === 'string') {
        const masked = maskSecrets(item, secrets);
        if (masked !== item) {
          record[field] = masked;
          changed = true;
        }
      } else if (typeof item === 'object' && item !== null) pending.push(item);
    }
  }
  return changed;
}

// A JSON escape that could spell part of a secret.
const escaped = /\\[u/]/;

/**
 * JSON or JSON Lines text with each of `secrets` masked, also where the JSON
 * spells one with escapes (`\u0073k-…`, `\/`) that only parsing reveals;
 * such a document (or line) is written again from its parsed value.
 */
export function maskSecretsInJson(text: string, secrets: readonly string[]): string {
  const masked = maskSecrets(text, secrets);
  if (secrets.length === 0 || !escaped.test(masked)) return masked;
  const rewrite = (json: string) => {
    const value = JSON.parse(json) as unknown;
    if (typeof value === 'string') return maskSecrets(value, secrets) === value ? json : JSON.stringify(maskSecrets(value, secrets));
    return scrubSecrets(value, secrets) ? JSON.stringify(value) : json;
  };
  try {
    return rewrite(masked);
  } catch {
    // Not one document: JSON Lines, each line its own.
    return masked
      .split('\n')
      .map((line) => {
        if (!escaped.test(line)) return line;
        try {
          return rewrite(line);
        } catch {
          return line;
        }
      })
      .join('\n');
  }
}

const maxRedactionDepth = 32;

/**
 * A copy of a server's error body that is safe to keep and show: every string
 * goes through {@link redactSecrets}, fields named like credential headers
 * (`authorization`, `api-key`…) are masked whatever their value, and each of
 * `secrets` (the caller's own keys, whatever their shape) is masked verbatim.
 */
export function redactBody(body: unknown, secrets: readonly string[] = []): unknown {
  const text = (value: string) => maskSecrets(redactSecrets(value), secrets);
  const visit = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return text(value);
    if (typeof value !== 'object' || value === null) return value;
    // Deeper than any real error body; past it nothing is kept rather than risk keeping a key.
    if (depth >= maxRedactionDepth) return '[redacted]';
    if (Array.isArray(value)) return value.map((item) => visit(item, depth + 1));
    return Object.fromEntries(
      Object.entries(value).map(([name, item]) => [text(name), isSensitiveHeader(name) ? '[redacted]' : visit(item, depth + 1)]),
    );
  };
  return visit(body, 0);
}

/**
 * `error` with each of `secrets` masked verbatim in its message and, for an
 * {@link APIError}, in its body. Pattern redaction cannot recognise keys without
 * a known prefix (Azure's are plain hex); whoever holds the key can.
 */
export function withoutSecrets<T>(error: T, secrets: readonly string[]): T {
  if (!(error instanceof Error) || secrets.length === 0) return error;
  const message = maskSecrets(error.message, secrets);
  // Assigned only when changed: some errors (DOMException) have a read-only message.
  if (message !== error.message) error.message = message;
  if (error instanceof APIError) (error as { body: unknown }).body = redactBody(error.body, secrets);
  return error;
}

/** A plain copy of `headers` that is safe to log: credential headers are masked. */
export function redactHeaders(headers: Headers | Record<string, string> | undefined): Record<string, string> {
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers ?? {});
  return Object.fromEntries(
    entries.map(([name, value]) => [name, sensitiveHeaders.has(name.toLowerCase()) ? '[redacted]' : redactSecrets(value)]),
  );
}

/** Base of every error the engine raises. */
export class LLMBatchError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(redactSecrets(message), options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The request itself cannot be sent as written (for example `stream: true`). */
export class InvalidRequestError extends LLMBatchError {
  constructor(message: string) {
    super('invalid_request', message);
  }
}

/**
 * The server answered with a non-2xx status. The subclasses below only name a
 * status class: each states its `code` once and inherits everything else.
 */
export class APIError extends LLMBatchError {
  /** The code every error of this class carries; `APIError` itself derives one from the status. */
  static readonly errorCode: ErrorCode | undefined = undefined;
  readonly status: number;
  readonly headers: Headers;
  /**
   * The parsed JSON error body, or the raw text when it was not JSON, kept for
   * display: redacted like the message (see {@link redactBody}).
   */
  readonly body: unknown;
  readonly requestId: string | undefined;

  constructor(status: number, message: string, headers: Headers = new Headers(), body?: unknown, code?: ErrorCode) {
    super(code ?? (new.target as typeof APIError).errorCode ?? genericCode(status), message);
    this.status = status;
    this.headers = headers;
    this.body = redactBody(body);
    this.requestId = headers.get('x-request-id') ?? undefined;
  }
}

function genericCode(status: number): ErrorCode {
  if (status === 408) return 'request_timeout';
  if (status >= 300 && status < 400) return 'redirect';
  return 'api_error';
}

export class BadRequestError extends APIError {
  static override readonly errorCode: ErrorCode = 'bad_request';
}
export class AuthenticationError extends APIError {
  static override readonly errorCode: ErrorCode = 'authentication';
}
export class PermissionDeniedError extends APIError {
  static override readonly errorCode: ErrorCode = 'permission_denied';
}
export class NotFoundError extends APIError {
  static override readonly errorCode: ErrorCode = 'not_found';
}
export class ConflictError extends APIError {
  static override readonly errorCode: ErrorCode = 'conflict';
}
export class UnprocessableEntityError extends APIError {
  static override readonly errorCode: ErrorCode = 'unprocessable_entity';
}
export class RateLimitError extends APIError {
  static override readonly errorCode: ErrorCode = 'rate_limit';
}
export class InternalServerError extends APIError {
  static override readonly errorCode: ErrorCode = 'server_error';
}

/**
 * The message a server put in its error body (`{"error":{"message":…}}`, or a
 * bare `message`/`error` string as some compatible servers send), if any.
 */
export function serverErrorMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim() ? body.trim().slice(0, 1000) : undefined;
  if (typeof body !== 'object' || body === null) return undefined;
  const { error, message } = body as { error?: unknown; message?: unknown };
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const inner = (error as { message?: unknown }).message;
    if (typeof inner === 'string') return inner;
    return JSON.stringify(error);
  }
  if (typeof message === 'string') return message;
  return undefined;
}

const errorClassByStatus: Readonly<Record<number, typeof APIError>> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  422: UnprocessableEntityError,
  429: RateLimitError,
};

/** Builds the typed error for an HTTP error status, keeping the server's message. */
export function makeAPIError(status: number, body: unknown, headers: Headers = new Headers()): APIError {
  const detail = serverErrorMessage(body);
  const message = detail ? `${status} ${detail}` : `${status} status code (no body)`;
  const ErrorClass = errorClassByStatus[status] ?? (status >= 500 ? InternalServerError : APIError);
  return new ErrorClass(status, message, headers, body);
}

/** The connection failed: refused, reset, DNS failure, TLS failure. */
export class APIConnectionError extends LLMBatchError {
  constructor(message = 'Connection error.', options?: { cause?: unknown }, code: ErrorCode = 'connection') {
    super(code, message, options);
  }
}

/** One attempt took longer than the configured timeout. */
export class APITimeoutError extends APIConnectionError {
  constructor(timeoutMs?: number) {
    super(timeoutMs === undefined ? 'Request timed out.' : `Request timed out after ${timeoutMs} ms.`, undefined, 'timeout');
  }
}

/** What was wrong with a 2xx answer; `truncated` and `not_json` are worth retrying. */
export type InvalidResponseKind = 'truncated' | 'not_json' | 'error_body' | 'wrong_shape' | 'too_large';

/** A 2xx answer that is not a usable chat completion. */
export class InvalidResponseError extends LLMBatchError {
  readonly kind: InvalidResponseKind;
  readonly status: number;

  constructor(kind: InvalidResponseKind, status: number, message: string, options?: { cause?: unknown }) {
    super('invalid_response', message, options);
    this.kind = kind;
    this.status = status;
  }
}

/** The batch was cancelled before this request finished. */
export class APIUserAbortError extends LLMBatchError {
  constructor(message = 'Request was cancelled.') {
    super('cancelled', message);
  }
}

/** The `{ code, message }` a failure result records for any thrown value. */
export function describeError(error: unknown): { code: string; message: string; statusCode?: number } {
  if (error instanceof APIError) return { code: error.code, message: error.message, statusCode: error.status };
  if (error instanceof InvalidResponseError) return { code: error.code, message: error.message, statusCode: error.status };
  if (error instanceof LLMBatchError) return { code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'provider_error', message: redactSecrets(message) };
}
