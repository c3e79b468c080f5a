/**
 * How a provider's requests reach the network: one request in, the status,
 * headers and whole (bounded) body out.
 *
 * The default goes through node:http and node:https with keep-alive agents.
 * fetch in Node 20 costs about three times the CPU per small request (Request,
 * Response and Headers objects, WHATWG streams) and leaves more garbage behind;
 * at thousands of answers a second that was most of a run's time and memory.
 * An injected `fetch` still works through {@link fetchTransport}.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Transform } from 'node:stream';
import type { HeaderReader } from './provider';

export interface HttpRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Aborting ends the request at once; the promise then rejects with `signal.reason`. */
  readonly signal: AbortSignal;
  /** Largest (decoded) body read; past it the rest is dropped and `text` is undefined. */
  readonly maxResponseBytes: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: HeaderReader & { entries(): IterableIterator<[string, string]> };
  /** The body as UTF-8 without a leading BOM, or undefined when it was over `maxResponseBytes`. */
  readonly text: string | undefined;
  /** The content-length the server declared, if any. */
  readonly declaredLength?: number;
}

/**
 * Rejects with the connection's error when no answer arrived (refused, reset,
 * DNS), with {@link HttpBodyError} when the answer broke off after its
 * headers, and with `signal.reason` when aborted. Never follows redirects:
 * they would carry credentials to another host.
 */
export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

/** The answer's headers arrived, its body did not arrive whole. */
export class HttpBodyError extends Error {
  constructor(
    readonly status: number,
    readonly headers: HttpResponse['headers'],
    options: { cause?: unknown },
  ) {
    super(`the answer (${status}) broke off before its end`, options);
    this.name = 'HttpBodyError';
  }
}

export interface NodeHttpTransportOptions {
  /**
   * How long an idle kept-alive connection stays open. Below the 5 s that
   * common servers allow, so a request rarely meets a connection the server is
   * just closing. Default 4 000 ms.
   */
  readonly idleTimeoutMs?: number;
  /** Extra trusted certificates for https (e.g. a company's root); the system's stay trusted too only when none are given. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
}

/** A transport over node:http(s) with its own keep-alive agents; idle connections never keep the process alive. */
export function nodeHttpTransport(options: NodeHttpTransportOptions = {}): HttpTransport {
  const timeout = options.idleTimeoutMs ?? 4_000;
  const httpAgent = new http.Agent({ keepAlive: true, timeout });
  const httpsAgent = new https.Agent({ keepAlive: true, timeout, ...(options.ca !== undefined && { ca: options.ca as string | Buffer | Array<string | Buffer> }) });
  let lastUrl = '';
  let lastParsed: URL | undefined;
  return (request) => {
    if (request.signal.aborted) return Promise.reject(request.signal.reason);
    // A batch posts to one URL thousands of times.
    if (request.url !== lastUrl || !lastParsed) {
      lastParsed = new URL(request.url);
      lastUrl = request.url;
    }
    const url = lastParsed;
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') return Promise.reject(new TypeError(`unsupported protocol ${url.protocol} in ${request.url}`));
    const body = request.body === undefined ? undefined : Buffer.from(request.body);
    const headers: Record<string, string | number> = { 'accept-encoding': 'gzip, deflate, br', ...request.headers };
    if (body) headers['content-length'] = body.length;
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const { signal } = request;
      const finish = (error: unknown, response?: HttpResponse) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (response) resolve(response);
        else reject(signal.aborted ? signal.reason : error);
      };
      const onAbort = () => {
        outgoing.destroy();
        finish(signal.reason);
      };
      const outgoing = (secure ? https : http).request(
        {
          agent: secure ? httpsAgent : httpAgent,
          protocol: url.protocol,
          hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method: request.method,
          headers,
        },
        (incoming) => readAnswer(incoming, request.maxResponseBytes, outgoing.destroy.bind(outgoing), finish),
      );
      outgoing.on('error', (error) => finish(error));
      signal.addEventListener('abort', onAbort, { once: true });
      outgoing.end(body);
    });
  };
}

function readAnswer(incoming: IncomingMessage, limit: number, stop: () => void, finish: (error: unknown, response?: HttpResponse) => void): void {
  const status = incoming.statusCode ?? 0;
  const headers = new IncomingHeaders(incoming);
  const declared = Number(incoming.headers['content-length'] ?? Number.NaN);
  const declaredLength = Number.isFinite(declared) ? declared : undefined;
  const answer = (text: string | undefined) => finish(undefined, { status, headers, text, ...(declaredLength !== undefined && { declaredLength }) });
  if (declared > limit || (status >= 300 && status < 400)) {
    // Not worth reading; dropping the connection is cheaper than draining it.
    stop();
    answer(status >= 300 && status < 400 ? '' : undefined);
    return;
  }
  const decoder = decoderFor(incoming.headers['content-encoding']);
  const source = decoder ? incoming.pipe(decoder) : incoming;
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  source.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) {
      stop();
      source.destroy();
      answer(undefined);
      return;
    }
    chunks.push(chunk);
  });
  source.on('end', () => {
    ended = true;
    const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)).toString('utf8');
    answer(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  });
  const brokenOff = (cause?: unknown) => {
    if (!ended) finish(new HttpBodyError(status, headers, { cause: cause ?? new Error('the connection closed early') }));
  };
  source.on('error', brokenOff);
  incoming.on('error', brokenOff);
  incoming.on('close', () => {
    if (!incoming.complete) brokenOff();
  });
}

function decoderFor(encoding: string | undefined): Transform | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

/** `get` like fetch's Headers (case-insensitive, repeated values joined), over node's lower-cased header object. */
class IncomingHeaders {
  readonly #headers: IncomingMessage['headers'];

  constructor(incoming: IncomingMessage) {
    this.#headers = incoming.headers;
  }

  get(name: string): string | null {
    const value = this.#headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  *entries(): IterableIterator<[string, string]> {
    for (const [name, value] of Object.entries(this.#headers)) {
      if (value !== undefined) yield [name, Array.isArray(value) ? value.join(', ') : value];
    }
  }
}

/** A transport over a fetch function (tests, or a runtime whose fetch knows a proxy), with the same limits. */
export function fetchTransport(fetchFunction: typeof globalThis.fetch): HttpTransport {
  return async (request) => {
    const response = await fetchFunction(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined && { body: request.body }),
      signal: request.signal,
      redirect: 'manual',
    });
    const { headers } = response;
    // A browser-style fetch hides a redirect's status; it is still a redirect.
    const status = response.type === 'opaqueredirect' ? 302 : response.status;
    const declared = Number(headers.get('content-length') ?? Number.NaN);
    const declaredLength = Number.isFinite(declared) ? declared : undefined;
    const answer = (text: string | undefined): HttpResponse => ({ status, headers, text, ...(declaredLength !== undefined && { declaredLength }) });
    if (declared > request.maxResponseBytes || (status >= 300 && status < 400)) {
      await response.body?.cancel().catch(() => undefined);
      return answer(status >= 300 && status < 400 ? '' : undefined);
    }
    try {
      // A declared length within the limit bounds the body (fetch fails a longer one), so it is read whole.
      return answer(declared >= 0 ? await response.text() : await readTextUpTo(response, request.maxResponseBytes));
    } catch (error) {
      if (request.signal.aborted) throw request.signal.reason;
      throw new HttpBodyError(status, headers, { cause: error });
    }
  };
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
