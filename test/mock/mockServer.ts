/**
 * An OpenAI-compatible HTTP server for tests and benchmarks. It answers chat
 * completions deterministically, records what it received, counts concurrency,
 * and can be scripted to fail in the ways real servers and networks fail.
 * It only ever listens on 127.0.0.1.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { chatCompletionFor, chatRequestProblem, errorBody, errorBodyForStatus } from './mockResponses';
import type { MockCharge, MockRateLimit } from './mockRateLimit';
import { MockRateLimiter } from './mockRateLimit';

/** What the server does with one request instead of (or as) its normal answer. */
export type MockFault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'reset' }
  | { kind: 'hang' }
  /**
   * Status 200 with only the first half of a JSON body. The response ends
   * cleanly unless `dropConnection`, which declares the full length and then
   * destroys the socket mid-body.
   */
  | { kind: 'truncated'; dropConnection?: boolean }
  /** Status 200 with `body` (JSON-encoded unless a string) instead of the normal answer. */
  | { kind: 'ok'; body?: unknown; headers?: Record<string, string> }
  /**
   * Status 200 and the headers (with the full length) at once, then the normal
   * answer one byte every `intervalMs` (default 200): a server that is alive but
   * never finishes in time.
   */
  | { kind: 'drip'; intervalMs?: number }
  /**
   * Status 200 with a syntactically valid chat completion of about `bytes` bytes,
   * streamed in chunks without being held in memory. The length is declared in
   * `content-length` only with `declareLength`; otherwise the body is chunked.
   */
  | { kind: 'huge'; bytes: number; declareLength?: boolean };

export interface MockScriptContext {
  /** The parsed JSON body. */
  readonly body: unknown;
  readonly method: string;
  /** The path without query string, e.g. `/v1/chat/completions`. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** 0-based position of this request among all requests received (since the last `resetRecords`). */
  readonly index: number;
  /** How many times this exact body has been received, this one included: 1 on the first attempt. */
  readonly attemptForBody: number;
}

/** Decides per request whether to fail; `undefined` means answer normally. */
export type MockScript = (ctx: MockScriptContext) => MockFault | undefined;

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined when the body was empty or not JSON. */
  readonly body: unknown;
  /** When the request body had been fully received (epoch ms). */
  readonly time: number;
}

/** What a route answers. */
export interface MockReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

export interface MockRouteContext {
  /** The parsed JSON body; undefined for an empty or multipart body. */
  readonly body: unknown;
  /** The body as received (UTF-8), for multipart uploads. */
  readonly rawBody?: string;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly index: number;
  /** Per-server counter for ids that must be unique (`chatcmpl-mock-N`, `req_mock_N`). */
  readonly sequence: number;
}

export type MockRoute = (ctx: MockRouteContext) => MockReply;

export interface MockServerOptions {
  /** Delay before every answer (and before a fault takes effect). */
  readonly latencyMs?: number;
  readonly script?: MockScript;
  /** Only 127.0.0.1 is accepted (anything else is refused); the option exists so callers can state it. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /**
   * Keep `requests` and per-body attempt counts; turn off for benchmarks so
   * memory stays flat (attempts are then counted only while a script is set). Default true.
   */
  readonly record?: boolean;
  /**
   * Enforce rate limits on chat completions as providers do (per-minute limits
   * in one-second slices), answering 429 over them and sending `x-ratelimit-*`
   * headers with every answer.
   */
  readonly rateLimit?: MockRateLimit;
}

const jsonHeaders = { 'content-type': 'application/json' } as const;

export class MockServer {
  /** Every request received since start or `resetRecords`, unless recording is off. */
  readonly requests: RecordedRequest[] = [];
  private inFlightCount = 0;
  private inFlightPeak = 0;
  private received = 0;
  private sequence = 0;
  private latencyMs: number;
  private script: MockScript | undefined;
  private readonly record: boolean;
  private readonly bodyAttempts = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly routes = new Map<string, MockRoute>();
  private rateLimiter: MockRateLimiter | undefined;
  private closed = false;

  private constructor(
    private readonly server: Server,
    options: MockServerOptions,
  ) {
    this.latencyMs = options.latencyMs ?? 0;
    this.script = options.script;
    this.record = options.record ?? true;
    this.rateLimiter = options.rateLimit ? new MockRateLimiter(options.rateLimit) : undefined;
    this.route('POST', '/v1/chat/completions', (ctx) => this.chatCompletions(ctx));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res));
  }

  /** Starts a server on 127.0.0.1 and resolves once it is listening. */
  static async start(options: MockServerOptions = {}): Promise<MockServer> {
    const host = options.host ?? '127.0.0.1';
    if (host !== '127.0.0.1') throw new Error(`MockServer only listens on 127.0.0.1 (asked for ${host})`);
    const server = createServer({ keepAlive: true });
    server.keepAliveTimeout = 30_000;
    const mock = new MockServer(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return mock;
  }

  /** `http://127.0.0.1:PORT/v1`, the base URL an OpenAI client takes. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Requests received and not yet answered (hanging ones included). */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** The most requests that were in flight at once since start or `resetRecords`. */
  get inFlightMax(): number {
    return this.inFlightPeak;
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /** Starts (or with undefined, stops) enforcing rate limits, from an empty window. */
  setRateLimit(limit: MockRateLimit | undefined): void {
    this.rateLimiter = limit ? new MockRateLimiter(limit) : undefined;
  }

  /** Chat completions turned away with 429 by the rate limits since they were set. */
  get rateLimited(): number {
    return this.rateLimiter?.rejected ?? 0;
  }

  setScript(script: MockScript | undefined): void {
    this.script = script;
  }

  /**
   * Adds or replaces the handler for `method path`. Requests to paths without a
   * route get a 404 error body.
   */
  route(method: string, path: string, handler: MockRoute): void {
    this.routes.set(`${method.toUpperCase()} ${path}`, handler);
  }

  /** Forgets recorded requests, body attempt counts, the request index and the in-flight peak. */
  resetRecords(): void {
    this.requests.length = 0;
    this.bodyAttempts.clear();
    this.received = 0;
    this.inFlightPeak = this.inFlightCount;
  }

  /** Stops listening and destroys every connection, hanging ones included. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await done;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.inFlightCount++;
    if (this.inFlightCount > this.inFlightPeak) this.inFlightPeak = this.inFlightCount;
    let counted = true;
    res.once('close', () => {
      if (counted) this.inFlightCount--;
      counted = false;
    });
    const chunks: Buffer[] = [];
    // A client that aborts mid-body is normal traffic, not a server failure.
    req.on('error', () => undefined);
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => this.onBody(req, res, chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8')));
  }

  private onBody(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    let body: unknown;
    let badJson = false;
    // File uploads are multipart; their routes read `rawBody` instead.
    const multipart = /^multipart\/form-data/i.test(req.headers['content-type'] ?? '');
    if (raw !== '' && !multipart) {
      try {
        body = JSON.parse(raw);
      } catch {
        badJson = true;
      }
    }
    const index = this.received++;
    if (this.record) this.requests.push({ method, path, headers: req.headers, body, time: Date.now() });
    // Without recording, attempts are counted only while a script can read them.
    let attemptForBody = 1;
    if (this.record || this.script) {
      attemptForBody = (this.bodyAttempts.get(raw) ?? 0) + 1;
      this.bodyAttempts.set(raw, attemptForBody);
    }

    let act: () => void;
    if (badJson) {
      act = () =>
        this.sendJson(res, 400, errorBody('We could not parse the JSON body of your request. The body must be valid JSON.', 'invalid_request_error', 'invalid_json'));
    } else {
      let fault: MockFault | undefined;
      // Limits count requests as they arrive, before any scripted fault.
      let charge: MockCharge | undefined;
      if (this.rateLimiter && method === 'POST' && path === '/v1/chat/completions') {
        const admission = this.rateLimiter.admit(body);
        if (admission.ok) charge = admission.charge;
        else fault = { kind: 'status', status: 429, headers: admission.headers, body: admission.body };
      }
      try {
        fault ??= this.script?.({ body, method, path, headers: req.headers, index, attemptForBody });
      } catch (error) {
        // A broken script shows up as a 500 the test can see, instead of killing the server.
        fault = { kind: 'status', status: 500, body: errorBody(`mock script failed: ${String(error)}`, 'server_error', 'mock_script_failed') };
      }
      act = () => this.answer(req, res, { body, rawBody: raw, method, path, headers: req.headers, index, sequence: this.sequence++ }, fault, charge);
    }
    if (this.latencyMs <= 0) return act();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      act();
    }, this.latencyMs);
    this.timers.add(timer);
  }

  private answer(req: IncomingMessage, res: ServerResponse, ctx: MockRouteContext, fault: MockFault | undefined, charge?: MockCharge): void {
    if (charge && fault) this.rateLimiter?.settle(charge, undefined);
    if (res.destroyed) return;
    switch (fault?.kind) {
      case 'hang':
        return;
      case 'reset': {
        const socket = req.socket as Socket & { resetAndDestroy?: () => void };
        if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
        else socket.destroy();
        return;
      }
      case 'status':
        return this.send(res, fault.status, fault.headers, fault.body ?? errorBodyForStatus(fault.status));
      case 'ok':
        return this.send(res, 200, { 'x-request-id': `req_mock_${ctx.sequence}`, ...fault.headers }, fault.body ?? this.routeReply(ctx).body);
      case 'truncated':
        return this.sendTruncated(res, this.routeReply(ctx), fault.dropConnection === true);
      case 'drip':
        return this.sendDrip(res, this.routeReply(ctx), fault.intervalMs ?? 200);
      case 'huge':
        return this.sendHuge(res, fault.bytes, fault.declareLength === true);
      case undefined: {
        const reply = this.routeReply(ctx);
        if (charge && this.rateLimiter) {
          this.rateLimiter.settle(charge, reply.status === 200 ? (reply.body as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } }).usage : undefined);
          return this.send(res, reply.status, { ...reply.headers, ...charge.headers }, reply.body);
        }
        return this.send(res, reply.status, reply.headers, reply.body);
      }
    }
  }

  private routeReply(ctx: MockRouteContext): MockReply {
    const handler = this.routes.get(`${ctx.method} ${ctx.path}`);
    if (handler) return handler(ctx);
    return { status: 404, body: errorBody(`Unknown request URL: ${ctx.method} ${ctx.path}.`, 'invalid_request_error', 'unknown_url') };
  }

  private chatCompletions(ctx: MockRouteContext): MockReply {
    const headers = { 'x-request-id': `req_mock_${ctx.sequence}` };
    const problem = chatRequestProblem(ctx.body);
    if (problem) return { status: 400, headers, body: errorBody(problem, 'invalid_request_error', 'invalid_request') };
    return { status: 200, headers, body: chatCompletionFor(ctx.body as { messages: unknown[] }, ctx.sequence, Date.now()) };
  }

  private send(res: ServerResponse, status: number, headers: Record<string, string> | undefined, body: unknown): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { ...jsonHeaders, 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  }

  private sendJson(res: ServerResponse, status: number, body: unknown): void {
    if (!res.destroyed) this.send(res, status, undefined, body);
  }

  private sendDrip(res: ServerResponse, reply: MockReply, intervalMs: number): void {
    const bytes = Buffer.from(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    res.writeHead(reply.status, { ...jsonHeaders, ...reply.headers, 'content-length': String(bytes.length) });
    res.flushHeaders();
    let next = 0;
    const tick = (): void => {
      if (res.destroyed || this.closed) return;
      res.write(bytes.subarray(next, next + 1));
      next++;
      if (next >= bytes.length) {
        res.end();
        return;
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        tick();
      }, intervalMs);
      this.timers.add(timer);
    };
    tick();
  }

  private sendHuge(res: ServerResponse, bytes: number, declareLength: boolean): void {
    const head = '{"id":"chatcmpl-mock-huge","object":"chat.completion","model":"mock-model","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"';
    const tail = '"}}]}';
    const fill = Math.max(0, bytes - head.length - tail.length);
    res.writeHead(200, { ...jsonHeaders, ...(declareLength ? { 'content-length': String(head.length + fill + tail.length) } : {}) });
    const chunk = 'x'.repeat(64 * 1024);
    let left = fill;
    res.write(head);
    // Writes only as fast as the client reads, so a client that stops reading stops the stream.
    const pump = (): void => {
      while (left > 0) {
        if (res.destroyed || this.closed) return;
        const piece = left >= chunk.length ? chunk : chunk.slice(0, left);
        left -= piece.length;
        if (!res.write(piece)) {
          res.once('drain', pump);
          return;
        }
      }
      if (!res.destroyed) res.end(tail);
    };
    pump();
  }

  private sendTruncated(res: ServerResponse, reply: MockReply, dropConnection: boolean): void {
    const text = JSON.stringify(reply.body);
    const half = text.slice(0, Math.floor(text.length / 2));
    if (dropConnection) {
      res.writeHead(200, { ...jsonHeaders, ...reply.headers, 'content-length': String(Buffer.byteLength(text)) });
      res.write(half, () => res.destroy());
      return;
    }
    res.writeHead(200, { ...jsonHeaders, ...reply.headers, 'content-length': String(Buffer.byteLength(half)) });
    res.end(half);
  }
}
