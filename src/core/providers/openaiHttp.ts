/**
 * The HTTP conventions every call to an OpenAI-compatible server shares — the
 * chat provider's and the Batch API client's: which headers carry the
 * credentials, refusing redirects (the key would travel to wherever they point),
 * reading error bodies that may be JSON or text, describing a failed connection,
 * and masking the caller's own keys in whatever a server quotes back.
 */
import { APIError, redactSecrets, withoutSecrets } from '../errors';

/** Who the caller is to the server; every field is optional for local servers. */
export interface OpenAICredentials {
  /** Sent as `Authorization: Bearer …`. */
  readonly apiKey?: string | undefined;
  /** Sent as the `OpenAI-Organization` header. */
  readonly organization?: string | undefined;
  /** Extra headers (Azure's `api-key`, profile headers); they win over the defaults. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** `defaults`, then the credentials, then the caller's own headers, which win. */
export function openaiHeaders(credentials: OpenAICredentials, defaults: Readonly<Record<string, string>>): Headers {
  const headers = new Headers(defaults);
  if (credentials.apiKey) headers.set('authorization', `Bearer ${credentials.apiKey}`);
  if (credentials.organization) headers.set('openai-organization', credentials.organization);
  for (const [name, value] of Object.entries(credentials.headers ?? {})) headers.set(name, value);
  return headers;
}

/** Runs `call`, masking `secrets` (see `sentSecrets`) in whatever it throws. */
export async function keepingSecrets<T>(secrets: readonly string[], call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw withoutSecrets(error, secrets);
  }
}

export function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}

/** The error for a 3xx answer: redirects are never followed, so credentials stay with `apiBase`. */
export function redirectError(status: number, headers: Headers, apiBase: string): APIError {
  const location = headers.get('location');
  return new APIError(
    status,
    `${status} the server redirected${location ? ` to ${location}` : ''}; redirects are not followed so credentials stay with ${apiBase}. Set the API base to the final address.`,
    headers,
  );
}

/** An error body as JSON when it is JSON, else as the text it is. */
export function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The system's words for a failed connection (`ECONNREFUSED connect ECONNREFUSED 127.0.0.1:9`), from node or from fetch's cause. */
export function describeConnectionFailure(error: unknown): string {
  const own = error as { code?: unknown; message?: unknown } | undefined;
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const source = typeof own?.code === 'string' ? own : cause;
  const parts = [typeof source?.code === 'string' ? source.code : undefined, typeof source?.message === 'string' ? source.message : undefined];
  const detail = parts.filter(Boolean).join(' ') || (error instanceof Error ? error.message : String(error));
  return redactSecrets(detail);
}
