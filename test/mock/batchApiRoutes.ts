/**
 * The OpenAI Files and Batches APIs on a `MockServer`: multipart uploads,
 * batch jobs whose progress tests script (each poll advances a job, or the
 * test moves it), failed lines, expiry with partial results and cancellation.
 * Answers come from the same generator as live chat completions, so a batch
 * answer and a live answer to the same request have the same content.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { MockReply, MockRouteContext, MockServer } from './mockServer';
import { chatCompletionFor, errorBody } from './mockResponses';

export interface MockLineFailure {
  readonly status: number;
  readonly message: string;
  readonly code?: string;
}

export interface MockBatchBehaviour {
  /** Each GET of a job moves it one status on: validating → in_progress → finalizing → completed. Default true. */
  readonly advanceOnPoll?: boolean;
  /** The first GET of a job finishes it at once (for callers that poll slowly). */
  readonly finishOnFirstPoll?: boolean;
  /** Requests for which this returns a failure are answered in the error file with it. */
  readonly failLine?: (line: { readonly customId: string; readonly body: unknown }) => MockLineFailure | undefined;
  /** Jobs expire instead of completing, after answering this many of their requests. */
  readonly expireAfter?: number;
  /** Jobs fail validation with this message instead of running. */
  readonly failValidation?: string;
  /** Answers quote the `authorization` header the job was created with, in their content and another field, as a careless gateway would. */
  readonly echoCredentials?: boolean;
}

export interface MockFile {
  readonly id: string;
  readonly purpose: string;
  readonly filename: string;
  readonly content: string;
  readonly headers: IncomingHttpHeaders;
}

export interface MockBatchJob {
  readonly id: string;
  readonly inputFileId: string;
  readonly metadata: unknown;
  readonly lines: ReadonlyArray<{ readonly customId: string; readonly body: unknown }>;
  /** The headers of the request that created it. */
  readonly headers: IncomingHttpHeaders;
  status: string;
  polls: number;
  outputFileId?: string;
  errorFileId?: string;
  errors?: Array<{ code: string; message: string; line?: number }>;
  counts: { total: number; completed: number; failed: number };
}

const terminal = new Set(['completed', 'failed', 'expired', 'cancelled']);
const progression: Record<string, string> = { validating: 'in_progress', in_progress: 'finalizing', finalizing: 'completed', cancelling: 'cancelled' };

/** The test's handle on the mock Batch API: what was uploaded and created, and levers to move jobs. */
export class MockBatchApi {
  readonly files = new Map<string, MockFile>();
  readonly jobs = new Map<string, MockBatchJob>();
  behaviour: MockBatchBehaviour;
  #sequence = 0;

  constructor(
    private readonly server: MockServer,
    behaviour: MockBatchBehaviour = {},
  ) {
    this.behaviour = behaviour;
    server.route('POST', '/v1/files', (ctx) => this.#upload(ctx));
    server.route('POST', '/v1/batches', (ctx) => this.#create(ctx));
  }

  /** Finishes a job now: every request answered (except scripted failures). */
  complete(jobId: string): void {
    this.#finish(this.#job(jobId), 'completed', Number.POSITIVE_INFINITY);
  }

  /** Expires a job now, after `answered` of its requests got an answer; the rest end `batch_expired`. */
  expire(jobId: string, answered: number): void {
    this.#finish(this.#job(jobId), 'expired', answered);
  }

  /** Fails a job as a whole (as when its input is refused); it answers nothing. */
  fail(jobId: string, message: string): void {
    const job = this.#job(jobId);
    job.status = 'failed';
    job.errors = [{ code: 'invalid_request', message }];
  }

  /** The input lines of every job, in creation order. */
  get jobList(): MockBatchJob[] {
    return [...this.jobs.values()];
  }

  #job(jobId: string): MockBatchJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`no mock batch job ${jobId}`);
    return job;
  }

  #upload(ctx: MockRouteContext): MockReply {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(String(ctx.headers['content-type'] ?? ''));
    if (!boundary) return { status: 400, body: errorBody('Expected multipart/form-data with a file and a purpose.', 'invalid_request_error', 'invalid_multipart') };
    const parts = parseMultipart(ctx.rawBody ?? '', boundary[1] ?? boundary[2] ?? '');
    const file = parts.find((part) => part.name === 'file');
    const purpose = parts.find((part) => part.name === 'purpose')?.content;
    if (!file || purpose === undefined) return { status: 400, body: errorBody("Missing required parameter: 'file' or 'purpose'.", 'invalid_request_error', 'missing_parameter') };
    if (purpose !== 'batch') return { status: 400, body: errorBody(`This mock only takes purpose "batch" (got ${JSON.stringify(purpose)}).`, 'invalid_request_error', 'invalid_purpose') };
    const id = `file-mock-${++this.#sequence}`;
    const stored = this.#store(id, purpose, file.filename ?? 'upload.jsonl', file.content, ctx.headers);
    return { status: 200, body: fileObject(stored) };
  }

  #store(id: string, purpose: string, filename: string, content: string, headers: IncomingHttpHeaders): MockFile {
    const stored: MockFile = { id, purpose, filename, content, headers };
    this.files.set(id, stored);
    this.server.route('GET', `/v1/files/${id}`, () => ({ status: 200, body: fileObject(stored) }));
    this.server.route('GET', `/v1/files/${id}/content`, () => ({ status: 200, headers: { 'content-type': 'application/octet-stream' }, body: stored.content }));
    return stored;
  }

  #create(ctx: MockRouteContext): MockReply {
    const body = (ctx.body ?? {}) as { input_file_id?: unknown; endpoint?: unknown; completion_window?: unknown; metadata?: unknown };
    const input = typeof body.input_file_id === 'string' ? this.files.get(body.input_file_id) : undefined;
    if (!input) return { status: 404, body: errorBody(`No such File object: ${String(body.input_file_id)}`, 'invalid_request_error', 'file_not_found') };
    if (body.endpoint !== '/v1/chat/completions') return { status: 400, body: errorBody('endpoint must be /v1/chat/completions in this mock.', 'invalid_request_error', 'invalid_endpoint') };
    if (body.completion_window !== '24h') return { status: 400, body: errorBody("completion_window must be '24h'.", 'invalid_request_error', 'invalid_completion_window') };
    const { lines, errors } = readInput(input.content);
    const id = `batch_mock_${++this.#sequence}`;
    const job: MockBatchJob = { id, inputFileId: input.id, metadata: body.metadata ?? null, lines, headers: ctx.headers, status: 'validating', polls: 0, counts: { total: 0, completed: 0, failed: 0 } };
    if (errors.length) job.errors = errors;
    this.jobs.set(id, job);
    this.server.route('GET', `/v1/batches/${id}`, () => this.#poll(job));
    this.server.route('POST', `/v1/batches/${id}/cancel`, () => {
      if (!terminal.has(job.status)) job.status = 'cancelling';
      return { status: 200, body: batchObject(job) };
    });
    return { status: 200, body: batchObject(job) };
  }

  #poll(job: MockBatchJob): MockReply {
    job.polls++;
    if (job.status === 'cancelling') this.#finish(job, 'cancelled', 0);
    else if (job.status === 'validating' && (job.errors?.length || this.behaviour.failValidation)) {
      job.status = 'failed';
      job.errors ??= [{ code: 'invalid_request', message: this.behaviour.failValidation ?? 'invalid input' }];
    } else if (this.behaviour.advanceOnPoll !== false && !terminal.has(job.status)) {
      const next = this.behaviour.finishOnFirstPoll ? 'completed' : (progression[job.status] ?? 'completed');
      if (next === 'completed') this.#finish(job, this.behaviour.expireAfter === undefined ? 'completed' : 'expired', this.behaviour.expireAfter ?? Number.POSITIVE_INFINITY);
      else job.status = next;
      if (job.status === 'in_progress') job.counts.total = job.lines.length;
    }
    return { status: 200, body: batchObject(job) };
  }

  /** Writes the output and error files of a job that ends in `status`. */
  #finish(job: MockBatchJob, status: 'completed' | 'expired' | 'cancelled', answered: number): void {
    const output: string[] = [];
    const failed: string[] = [];
    job.lines.forEach((line, i) => {
      const lineId = `batch_req_${job.id}_${i}`;
      if (i >= answered) {
        const code = status === 'cancelled' ? 'batch_cancelled' : 'batch_expired';
        const message = status === 'cancelled' ? 'This request was not executed because the batch was cancelled.' : 'This request could not be executed before the completion window expired.';
        failed.push(JSON.stringify({ id: lineId, custom_id: line.customId, response: null, error: { code, message } }));
        return;
      }
      const sequence = ++this.#sequence;
      const failure = this.behaviour.failLine?.(line);
      if (failure) {
        const response = { status_code: failure.status, request_id: `req_mock_${sequence}`, body: errorBody(failure.message, 'invalid_request_error', failure.code ?? null) };
        failed.push(JSON.stringify({ id: lineId, custom_id: line.customId, response, error: null }));
        return;
      }
      const completion = chatCompletionFor(line.body as { messages: unknown[] }, sequence, Date.now());
      if (this.behaviour.echoCredentials) {
        const authorization = String(job.headers.authorization ?? '');
        const choice = (completion.choices as Array<{ message: { content: string } }>)[0]!;
        choice.message.content = `Your header: authorization: ${authorization}. ${choice.message.content}`;
        completion.system_fingerprint = authorization.replace(/^Bearer\s+/i, '');
      }
      output.push(JSON.stringify({ id: lineId, custom_id: line.customId, response: { status_code: 200, request_id: `req_mock_${sequence}`, body: completion }, error: null }));
    });
    if (output.length) job.outputFileId = this.#store(`file-mock-${++this.#sequence}`, 'batch_output', `${job.id}_output.jsonl`, `${output.join('\n')}\n`, {}).id;
    if (failed.length) job.errorFileId = this.#store(`file-mock-${++this.#sequence}`, 'batch_output', `${job.id}_error.jsonl`, `${failed.join('\n')}\n`, {}).id;
    job.counts = { total: job.lines.length, completed: output.length, failed: failed.length };
    job.status = status;
  }
}

/** Registers the Files and Batches routes on `server`; the returned object scripts the jobs. */
export function addBatchApiRoutes(server: MockServer, behaviour: MockBatchBehaviour = {}): MockBatchApi {
  return new MockBatchApi(server, behaviour);
}

function fileObject(file: MockFile): Record<string, unknown> {
  return { id: file.id, object: 'file', bytes: Buffer.byteLength(file.content), created_at: 1_700_000_000, filename: file.filename, purpose: file.purpose };
}

function batchObject(job: MockBatchJob): Record<string, unknown> {
  return {
    id: job.id,
    object: 'batch',
    endpoint: '/v1/chat/completions',
    errors: job.errors ? { object: 'list', data: job.errors } : null,
    input_file_id: job.inputFileId,
    completion_window: '24h',
    status: job.status,
    output_file_id: job.outputFileId ?? null,
    error_file_id: job.errorFileId ?? null,
    created_at: 1_700_000_000,
    request_counts: job.counts,
    metadata: job.metadata,
  };
}

function readInput(content: string): { lines: Array<{ customId: string; body: unknown }>; errors: Array<{ code: string; message: string; line: number }> } {
  const lines: Array<{ customId: string; body: unknown }> = [];
  const errors: Array<{ code: string; message: string; line: number }> = [];
  const seen = new Set<string>();
  content.split('\n').forEach((text, i) => {
    if (text.trim() === '') return;
    let record: { custom_id?: unknown; method?: unknown; url?: unknown; body?: unknown };
    try {
      record = JSON.parse(text) as typeof record;
    } catch {
      errors.push({ code: 'invalid_json_line', message: 'This line is not parseable as valid JSON.', line: i + 1 });
      return;
    }
    if (typeof record.custom_id !== 'string' || seen.has(record.custom_id)) {
      errors.push({ code: 'duplicate_custom_id', message: 'The custom_id for this request is missing or a duplicate.', line: i + 1 });
      return;
    }
    if (record.method !== 'POST' || record.url !== '/v1/chat/completions') {
      errors.push({ code: 'invalid_url', message: 'The URL provided for this request does not match the batch endpoint.', line: i + 1 });
      return;
    }
    seen.add(record.custom_id);
    lines.push({ customId: record.custom_id, body: record.body });
  });
  return { lines, errors };
}

function parseMultipart(raw: string, boundary: string): Array<{ name?: string; filename?: string; content: string }> {
  return raw
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const text = part.replace(/^\r\n/, '').replace(/\r\n$/, '');
      const split = text.indexOf('\r\n\r\n');
      const head = split === -1 ? text : text.slice(0, split);
      const content = split === -1 ? '' : text.slice(split + 4);
      const name = /\bname="([^"]*)"/i.exec(head)?.[1];
      const filename = /\bfilename="([^"]*)"/i.exec(head)?.[1];
      return { ...(name !== undefined && { name }), ...(filename !== undefined && { filename }), content };
    });
}
