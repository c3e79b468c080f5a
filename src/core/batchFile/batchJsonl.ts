/**
 * Reading and writing the OpenAI Batch API's JSONL files: input lines
 * (`{"custom_id","method","url","body"}`) become batch items, results become
 * output lines, and both convert back.
 *
 * Line numbers inside messages are 1-based, as editors show them; ranges are 0-based.
 */
import type { RequestOutcome } from '../expect/outcomes';
import type { Diagnostic } from '../diagnostics';
import { chatCompletionSchema, llmRequestSchema, plainRequest } from '../models';
import type { BatchItem, BatchResult, LLMRequest, SourceRange } from '../models';
import { findJsonSyntaxError } from './jsonSyntax';
import { locateTopLevelValue } from './jsonLocate';
import { utf8Slice } from '../utf8Slice';

/** The only endpoint batch input lines may target. */
export const chatCompletionsUrl = '/v1/chat/completions';
/** Lines longer than this (in characters) are reported instead of parsed. */
export const defaultMaxLineLength = 10 * 1024 * 1024;

export interface ParseBatchInputOptions {
  /** Recorded in every range, for diagnostics that span files. */
  readonly fileName?: string;
  /** The provider profile every request is sent to. */
  readonly provider: string;
  readonly maxLineLength?: number;
}

export interface ParsedBatchInput {
  /** One item per valid line, in file order. */
  readonly items: BatchItem[];
  readonly diagnostics: Diagnostic[];
}

const knownBodyKeys = new Set(Object.keys(llmRequestSchema.shape).filter((key) => key !== 'provider'));

/** Reads Batch API input JSONL. Never throws: every problem becomes a diagnostic on its line. */
export function parseBatchInput(text: string, options: ParseBatchInputOptions): ParsedBatchInput {
  const items: BatchItem[] = [];
  const context = lineContext(options, true);
  let lineNumber = 0;
  for (const line of linesOf(text, bomLength(text), true)) {
    const item = readLine(line, lineNumber++, context);
    if (item) items.push(item);
  }
  return { items, diagnostics: context.diagnostics! };
}

/** A batch's items, made again from their lines on each pass; see {@link readBatchInputLazily}. */
export interface BatchItemList extends Iterable<BatchItem> {
  readonly length: number;
}

/**
 * Like {@link parseBatchInput}, but the items are not kept: each pass over
 * `items` reads them again from the file's bytes, and no decoded copy of the
 * whole file is made. A 100 000-line file then holds its bytes (outside the
 * JavaScript heap) and two numbers a line, instead of a few hundred bytes of
 * objects per request plus its text — for a run that sends each item once,
 * most of its memory.
 *
 * `bytes` must be valid UTF-8 (see `decodeUtf8`); a leading BOM is skipped.
 */
export function readBatchInputLazily(bytes: Buffer, options: ParseBatchInputOptions): { readonly items: BatchItemList; readonly diagnostics: Diagnostic[] } {
  const context = lineContext(options, true);
  // Numbers of the lines that gave an item, ascending.
  const itemLines: number[] = [];
  let lineNumber = 0;
  for (const line of byteLines(bytes)) {
    if (readLine(line, lineNumber, context)) itemLines.push(lineNumber);
    lineNumber++;
  }
  const quiet = lineContext(options, false);
  const items: BatchItemList = {
    length: itemLines.length,
    *[Symbol.iterator]() {
      let next = 0;
      let at = 0;
      for (const line of byteLines(bytes)) {
        if (next === itemLines.length) return;
        if (itemLines[next] === at) {
          next++;
          const item = readLine(line, at, quiet);
          // Checked once already, so every such line gives its item again.
          if (item) yield item;
        }
        at++;
      }
    },
  };
  return { items, diagnostics: context.diagnostics! };
}

const decodeChunkBytes = 1 << 20;

/**
 * The lines of UTF-8 `bytes` (a leading BOM skipped), as {@link linesOf} gives
 * them for the whole text, decoded about a megabyte at a time: a call into the
 * decoder per line costs more than parsing the line's JSON. A newline byte
 * never occurs inside a multi-byte character, so chunks cut after one.
 */
function* byteLines(bytes: Buffer): Generator<string, void, undefined> {
  let start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (;;) {
    let end = bytes.length;
    if (end - start > decodeChunkBytes) {
      const newline = bytes.lastIndexOf(10, start + decodeChunkBytes);
      end = newline >= start ? newline + 1 : bytes.indexOf(10, start + decodeChunkBytes) + 1 || bytes.length;
    }
    yield* linesOf(utf8Slice(bytes, start, end), 0, end === bytes.length);
    if (end === bytes.length) return;
    start = end;
  }
}

/**
 * The lines of `text` from `start`, without their `\r`. What follows the last
 * newline is a line too when `last` (empty when the text ends with one), so a
 * whole file gives its lines as `split('\n')` would.
 */
function* linesOf(text: string, start: number, last: boolean): Generator<string, void, undefined> {
  for (;;) {
    const newline = text.indexOf('\n', start);
    if (newline < 0) break;
    yield withoutCarriageReturn(text.slice(start, newline));
    start = newline + 1;
  }
  if (last) yield withoutCarriageReturn(text.slice(start));
}

function bomLength(text: string): number {
  return text.charCodeAt(0) === 0xfeff ? 1 : 0;
}

function withoutCarriageReturn(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

interface LineContext {
  readonly options: ParseBatchInputOptions;
  readonly maxLineLength: number;
  readonly rangeOf: (line: number, startColumn: number, endColumn: number) => SourceRange;
  readonly shared: SharedStrings;
  /** Absent when lines already checked are read again. */
  readonly diagnostics?: Diagnostic[];
  readonly firstLineOfId?: Map<string, number>;
}

function lineContext(options: ParseBatchInputOptions, checking: boolean): LineContext {
  const fileName = options.fileName;
  // Every item keeps its range: one fixed object shape per file, since a conditional spread
  // gives each object its own hidden class in V8 (a few hundred bytes apiece).
  const rangeOf =
    fileName === undefined
      ? (line: number, startColumn: number, endColumn: number): SourceRange => ({ startLine: line, startColumn, endLine: line, endColumn })
      : (line: number, startColumn: number, endColumn: number): SourceRange => ({ file: fileName, startLine: line, startColumn, endLine: line, endColumn });
  return {
    options,
    maxLineLength: options.maxLineLength ?? defaultMaxLineLength,
    rangeOf,
    shared: new SharedStrings(),
    ...(checking && { diagnostics: [], firstLineOfId: new Map<string, number>() }),
  };
}

function readLine(line: string, lineNumber: number, context: LineContext): BatchItem | undefined {
  if (line.trim() === '') return undefined;
  const { options, rangeOf, diagnostics, firstLineOfId } = context;
  const lineRange = (startColumn = 0, endColumn = line.length): SourceRange => rangeOf(lineNumber, startColumn, endColumn);
  const report = (message: string, code: string, range = lineRange(), severity: Diagnostic['severity'] = 'error'): void => {
    diagnostics?.push({ severity, message, range, code });
  };

  if (line.length > context.maxLineLength) {
    report(`Line is ${describeSize(line.length)}, over the ${describeSize(context.maxLineLength)} limit for one request; it was not read`, 'line-too-long', lineRange(0, 0));
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    const syntax = findJsonSyntaxError(line);
    if (syntax === undefined) report('Line is not valid JSON', 'invalid-json');
    else report(`Line is not valid JSON: ${syntax.problem} (column ${syntax.offset + 1})`, 'invalid-json', lineRange(syntax.offset, Math.min(syntax.offset + 1, line.length)));
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    report('Each line must be a JSON object with custom_id, method, url and body', 'not-an-object');
    return undefined;
  }
  const record = parsed as Record<string, unknown>;
  const keyRange = (key: string): SourceRange => {
    const found = locateTopLevelValue(line, key);
    return found ? lineRange(found.start, found.end) : lineRange();
  };
  let valid = true;

  const customId = record.custom_id;
  if (customId === undefined) {
    report('custom_id is missing; every line needs a unique custom_id', 'missing-id');
    valid = false;
  } else if (typeof customId !== 'string' || customId === '') {
    report('custom_id must be a non-empty string', 'invalid-id', keyRange('custom_id'));
    valid = false;
  } else {
    const first = firstLineOfId?.get(customId);
    if (first !== undefined) {
      report(`custom_id ${JSON.stringify(customId)} is used twice (first on line ${first + 1})`, 'duplicate-id', keyRange('custom_id'));
      valid = false;
    } else {
      firstLineOfId?.set(customId, lineNumber);
    }
  }

  if (record.method !== 'POST') {
    const got = record.method === undefined ? 'method is missing' : `got ${JSON.stringify(record.method)}`;
    report(`method must be "POST" (${got})`, 'unsupported-method', record.method === undefined ? lineRange() : keyRange('method'));
    valid = false;
  }
  if (record.url !== chatCompletionsUrl) {
    const message =
      record.url === undefined
        ? `url is missing; only "${chatCompletionsUrl}" is supported`
        : `url ${JSON.stringify(record.url)} is not supported; only "${chatCompletionsUrl}" is`;
    report(message, 'unsupported-url', record.url === undefined ? lineRange() : keyRange('url'));
    valid = false;
  }

  const body = record.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    report(body === undefined ? 'body is missing; it holds the chat completion request' : 'body must be a JSON object', 'invalid-body', body === undefined ? lineRange() : keyRange('body'));
    return undefined;
  }
  const bodyKeyRange = (key: string | undefined): SourceRange => {
    const bodyAt = locateTopLevelValue(line, 'body');
    const found = key === undefined || bodyAt === undefined ? undefined : locateTopLevelValue(line, key, bodyAt.start);
    return found ? lineRange(found.start, found.end) : bodyAt ? lineRange(bodyAt.start, bodyAt.end) : lineRange();
  };
  for (const key in body) {
    if (knownBodyKeys.has(key)) continue;
    const bodyAt = locateTopLevelValue(line, 'body');
    const found = bodyAt && locateTopLevelValue(line, key, bodyAt.start);
    report(`body.${key} is not a parameter llmbatch knows; it will not be sent`, 'unknown-parameter', found ? lineRange(found.keyStart, found.end) : lineRange(), 'warning');
  }
  // The common case skips the copy `{ ...body, provider }`: spreading a parsed object costs more than parsing it.
  const plain = plainRequest(body as Record<string, unknown>, options.provider);
  const request = plain ? ({ success: true, data: plain } as const) : llmRequestSchema.safeParse({ ...body, provider: options.provider });
  if (!request.success) {
    for (const issue of request.error.issues) {
      const path = ['body', ...issue.path.map(String)].reduce((text, part) => (/^\d+$/.test(part) ? `${text}[${part}]` : `${text}.${part}`));
      const missing = issue.code === 'invalid_type' && /received undefined$/.test(issue.message);
      const head = issue.path[0];
      report(missing ? `${path} is required` : `${path}: ${issue.message}`, 'invalid-request', bodyKeyRange(typeof head === 'string' ? head : undefined));
    }
    return undefined;
  }
  return valid ? { id: customId as string, request: context.shared.share(request.data), source: lineRange() } : undefined;
}

/** One Batch API input line (no newline) that sends `item`'s request. */
export function toBatchInputLine(item: BatchItem): string {
  const { provider: _provider, ...body } = item.request;
  // Absent parameters stay absent; `stream: false` is the default and only adds noise.
  const cleaned = body.stream === false ? (({ stream: _stream, ...rest }) => rest)(body) : body;
  return JSON.stringify({ custom_id: item.id, method: 'POST', url: chatCompletionsUrl, body: cleaned });
}

export interface FormatBatchOutputOptions {
  /** The line's own `id`; defaults to `batch_req_<index>`. */
  readonly id?: string;
  /** The verdict of the request's `expect:` lines, written as `llmbatch.expect`. */
  readonly expect?: RequestOutcome;
}

/**
 * One Batch API output line (no newline) for `result`. A failure that got an
 * HTTP answer carries both `response` (status and an OpenAI-style error body)
 * and `error`; `llmbatch` adds what the Batch API does not record.
 */
export function formatBatchOutputLine(result: BatchResult, options: FormatBatchOutputOptions = {}): string {
  const meta = {
    cached: result.cached,
    attempts: result.attempts,
    latency_ms: result.latencyMs,
    ...(result.via !== undefined && { via: result.via }),
  };
  const id = options.id ?? `batch_req_${result.index}`;
  if (result.ok) {
    const response = { status_code: result.statusCode, request_id: result.requestId ?? null, body: result.response };
    const line = JSON.stringify({ id, custom_id: result.id, response, error: null, llmbatch: meta });
    // `llmbatch` is the last field: the verdict goes at its end, written by hand (a scored run writes one per line).
    return options.expect ? `${line.slice(0, -2)},"expect":${expectJson(options.expect)}}}` : line;
  }
  const response =
    result.statusCode === undefined
      ? null
      : { status_code: result.statusCode, request_id: null, body: { error: { message: result.error.message, code: result.error.code } } };
  return JSON.stringify({ id, custom_id: result.id, response, error: { code: result.error.code, message: result.error.message }, llmbatch: meta });
}

/** `{"pass": …, "checks": [{"check", "pass", "reason"}, …]}` — the verdict without the fields only hosts use. */
function expectJson(outcome: RequestOutcome): string {
  const checks = outcome.checks;
  const parts = new Array<string>(checks.length);
  for (let i = 0; i < checks.length; i++) {
    const checked = checks[i] as RequestOutcome['checks'][number];
    // Outcomes shared by many answers are frozen (see `scoreAnswer`): their JSON is made once.
    let json = Object.isFrozen(checked) ? checkJson.get(checked) : undefined;
    if (json === undefined) {
      json = `{"check":${JSON.stringify(checked.check)},"pass":${checked.pass},"reason":${JSON.stringify(checked.reason)}}`;
      if (Object.isFrozen(checked)) checkJson.set(checked, json);
    }
    parts[i] = json;
  }
  return `{"pass":${outcome.pass},"checks":[${parts.join(',')}]}`;
}

const checkJson = new WeakMap<object, string>();

export interface ParsedBatchOutput {
  /** Results by custom_id, `index` numbering them in file order. */
  readonly results: Map<string, BatchResult>;
  readonly diagnostics: Diagnostic[];
}

/**
 * Reads Batch API output JSONL, from llmbatch or from the OpenAI Batch API
 * (whose lines have no `llmbatch` field: such results count as one uncached
 * attempt of unknown latency, 0). Never throws.
 */
export function parseBatchOutput(text: string, options: { fileName?: string } = {}): ParsedBatchOutput {
  const results = new Map<string, BatchResult>();
  const diagnostics: Diagnostic[] = [];
  Array.from(linesOf(text, bomLength(text), true)).forEach((line, lineNumber) => {
    if (line.trim() === '') return;
    const range: SourceRange = { ...(options.fileName === undefined ? {} : { file: options.fileName }), startLine: lineNumber, startColumn: 0, endLine: lineNumber, endColumn: line.length };
    const problem = (message: string, code: string): void => void diagnostics.push({ severity: 'error', message, range, code });
    let record: OutputRecord;
    try {
      record = JSON.parse(line) as OutputRecord;
    } catch {
      return problem('Line is not valid JSON', 'invalid-json');
    }
    if (typeof record !== 'object' || record === null || typeof record.custom_id !== 'string') return problem('Line has no custom_id', 'missing-id');
    const customId = record.custom_id;
    if (results.has(customId)) return problem(`custom_id ${JSON.stringify(customId)} has more than one result; the first is kept`, 'duplicate-id');
    const extra = record.llmbatch ?? {};
    const meta = {
      cached: extra.cached === true,
      attempts: typeof extra.attempts === 'number' ? extra.attempts : 1,
      latencyMs: typeof extra.latency_ms === 'number' ? extra.latency_ms : 0,
      ...((extra.via === 'live' || extra.via === 'batch') && { via: extra.via as 'live' | 'batch' }),
    };
    const index = results.size;
    const response = record.response ?? undefined;
    const statusCode = typeof response?.status_code === 'number' ? response.status_code : undefined;
    const requestId = typeof response?.request_id === 'string' ? response.request_id : undefined;
    if (record.error) {
      const error = { code: String(record.error.code ?? 'error'), message: String(record.error.message ?? '') };
      results.set(customId, { ok: false, id: customId, index, ...(statusCode === undefined ? {} : { statusCode }), error, ...meta });
      return;
    }
    if (statusCode === undefined) return problem('Line has neither a response nor an error', 'missing-result');
    const body = response?.body as { error?: { code?: unknown; type?: unknown; message?: unknown } } | undefined;
    if (statusCode < 200 || statusCode >= 300) {
      const code = body?.error?.code ?? body?.error?.type ?? `http_${statusCode}`;
      const message = typeof body?.error?.message === 'string' ? body.error.message : `HTTP ${statusCode}`;
      results.set(customId, { ok: false, id: customId, index, statusCode, error: { code: String(code), message }, ...meta });
      return;
    }
    const completion = chatCompletionSchema.safeParse(body);
    if (!completion.success) {
      const message = `the response is not a chat completion: ${completion.error.issues[0]?.message ?? 'unknown shape'}`;
      results.set(customId, { ok: false, id: customId, index, statusCode, error: { code: 'invalid_response', message }, ...meta });
      return;
    }
    results.set(customId, { ok: true, id: customId, index, statusCode, ...(requestId === undefined ? {} : { requestId }), response: completion.data, ...meta });
  });
  return { results, diagnostics };
}

interface OutputRecord {
  readonly custom_id?: unknown;
  readonly response?: { readonly status_code?: unknown; readonly request_id?: unknown; readonly body?: unknown } | null;
  readonly error?: { readonly code?: unknown; readonly message?: unknown } | null;
  readonly llmbatch?: { readonly cached?: unknown; readonly attempts?: unknown; readonly latency_ms?: unknown; readonly via?: unknown };
}

/**
 * One string instance for texts that batches repeat on every line (the system
 * message, the model): JSON.parse makes a fresh copy each time, and a large
 * batch would hold thousands of them. Bounded, so unique texts cost nothing.
 */
class SharedStrings {
  readonly #seen = new Map<string, string>();

  /** Swaps the repeated texts of `request`, which must be a fresh object this reader owns, in place. */
  share(request: LLMRequest): LLMRequest {
    const writable = request as { model?: string; messages: Array<{ role: string; content: unknown }> };
    if (writable.model !== undefined) writable.model = this.#one(writable.model);
    for (const message of writable.messages) {
      if (message.role === 'system' && typeof message.content === 'string') message.content = this.#one(message.content);
    }
    return request;
  }

  #one(text: string): string {
    const known = this.#seen.get(text);
    if (known !== undefined) return known;
    if (this.#seen.size < 256 && text.length <= 64 * 1024) this.#seen.set(text, text);
    return text;
  }
}

function describeSize(characters: number): string {
  const megabytes = characters / (1024 * 1024);
  if (megabytes >= 1) return `${Number.isInteger(megabytes) ? megabytes : megabytes.toFixed(1)} MB`;
  return `${characters} characters`;
}
