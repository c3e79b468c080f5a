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
import { findJsonSyntaxError } from '../jsonSyntax';
import { locateTopLevelValue } from './jsonLocate';
import { bufferSource, describeSize } from '../inputFiles';
import type { ByteSource } from '../inputFiles';
import { byteLines, linesOf } from './byteLines';
import { FirstLines } from './firstLines';
import { deepNestingOffset, maxJsonDepth, nestsDeeperThan } from '../jsonDepth';

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
 * `items` reads them again from `source` (a file, read a megabyte at a time),
 * and no decoded copy of the whole file is made. A 1 000 000-line file then
 * holds a number per line instead of its text and a few hundred bytes of
 * objects per request — for a run that sends each item once, most of its memory.
 *
 * Bytes that are not UTF-8 are reported at the first of them and nothing
 * after them is read; a leading BOM is skipped. A pass reading a file that has
 * changed since it was opened throws `InputFileError`.
 */
export function readBatchInputLazily(source: ByteSource | Buffer, options: ParseBatchInputOptions): { readonly items: BatchItemList; readonly diagnostics: Diagnostic[] } {
  const bytes = Buffer.isBuffer(source) ? bufferSource(source) : source;
  const context = lineContext(options, true);
  // Characters take at most three bytes each, so a longer line is too long in characters as well.
  const maxLineBytes = 3 * context.maxLineLength;
  // Numbers of the lines that gave an item, ascending.
  const itemLines: number[] = [];
  let lineNumber = 0;
  let notUtf8: { line: number; column: number } | undefined;
  // The callback must not close over `context`: the items' iterator would keep its index of every custom_id alive.
  for (const line of byteLines(bytes, maxLineBytes, (where) => (notUtf8 = { line: lineNumber + where.line, column: where.column }))) {
    if (typeof line !== 'string') reportTooLong(line.tooLong, 'bytes', lineNumber, context);
    else if (readLine(line, lineNumber, context)) itemLines.push(lineNumber);
    lineNumber++;
  }
  if (notUtf8) {
    const range = context.rangeOf(notUtf8.line, notUtf8.column, notUtf8.column);
    context.diagnostics!.push({ severity: 'error', message: 'the file is not valid UTF-8 text (save it as UTF-8)', range, code: 'encoding' });
  }
  const quiet = lineContext(options, false);
  const items: BatchItemList = {
    length: itemLines.length,
    *[Symbol.iterator]() {
      let next = 0;
      let at = 0;
      for (const line of byteLines(bytes, maxLineBytes)) {
        if (next === itemLines.length) return;
        if (itemLines[next] === at) {
          next++;
          const item = typeof line === 'string' ? readLine(line, at, quiet) : undefined;
          // Checked once already, so every such line gives its item again.
          if (item) yield item;
        }
        at++;
      }
    },
  };
  return { items, diagnostics: context.diagnostics! };
}

function bomLength(text: string): number {
  return text.charCodeAt(0) === 0xfeff ? 1 : 0;
}

interface LineContext {
  readonly options: ParseBatchInputOptions;
  readonly maxLineLength: number;
  readonly rangeOf: (line: number, startColumn: number, endColumn: number) => SourceRange;
  readonly shared: SharedStrings;
  /** Absent when lines already checked are read again. */
  readonly diagnostics?: Diagnostic[];
  readonly firstLineOfId?: FirstLines;
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
    ...(checking && { diagnostics: [], firstLineOfId: new FirstLines() }),
  };
}

function readLine(line: string, lineNumber: number, context: LineContext): BatchItem | undefined {
  if (line.trim() === '') return undefined;
  const { options, rangeOf, diagnostics, firstLineOfId } = context;
  const lineRange = (startColumn = 0, endColumn = line.length): SourceRange => rangeOf(lineNumber, startColumn, endColumn);
  const report = (message: string, code: string, range = lineRange(), severity: Diagnostic['severity'] = 'error'): void => {
    diagnostics?.push({ severity, message, range, code });
  };

  if (line.length > context.maxLineLength) return void reportTooLong(line.length, 'characters', lineNumber, context);
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    // A line wraps the request, which wraps its parameters: two levels above a parameter's value.
    const syntax = findJsonSyntaxError(line, { maxDepth: maxJsonDepth + 2, depthProblem: `lists and objects nested more than ${maxJsonDepth} levels deep inside a request` });
    if (syntax === undefined) report('Line is not valid JSON', 'invalid-json');
    else report(`Line is not valid JSON: ${syntax.message} (column ${syntax.offset + 1})`, 'invalid-json', lineRange(syntax.offset, Math.min(syntax.offset + 1, line.length)));
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    report('Each line must be a JSON object with custom_id, method, url and body', 'not-an-object');
    return undefined;
  }
  const record = parsed as Record<string, unknown>;
  // Before anything walks the values: JSON.stringify, the cache key and error messages recurse.
  const deep = deeplyNested(record, undefined);
  if (deep !== undefined) return void reportDeep(deep, line, 1, report, lineRange);
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
  // A plain request holds only text and numbers; anything else may nest.
  const deepInBody = plain ? undefined : deeplyNested(body as Record<string, unknown>, 'body');
  if (deepInBody !== undefined) return void reportDeep(deepInBody, line, 2, report, lineRange);
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

/** The path of the first value of `record` (but `body`, looked at apart) that nests more than allowed. */
function deeplyNested(record: Record<string, unknown>, prefix: string | undefined): string | undefined {
  for (const key in record) {
    if (prefix === undefined && key === 'body') continue;
    if (nestsDeeperThan(record[key])) return prefix === undefined ? key : `${prefix}.${key}`;
  }
  return undefined;
}

function reportDeep(path: string, line: string, levelsAbove: number, report: (message: string, code: string, range: SourceRange) => void, lineRange: (start: number, end: number) => SourceRange): void {
  const at = deepNestingOffset(line, maxJsonDepth + levelsAbove) ?? 0;
  report(`${path} nests lists and objects more than ${maxJsonDepth} levels deep, more than a request may hold`, 'too-deep', lineRange(at, at + 1));
}

/** A line over the limit, measured in characters (or in bytes, when it was too long to decode); it is not read. */
function reportTooLong(size: number, unit: 'bytes' | 'characters', lineNumber: number, context: LineContext): void {
  context.diagnostics?.push({
    severity: 'error',
    message: `Line is ${describeSize(size, unit)}, over the ${describeSize(context.maxLineLength, 'characters')} limit for one request; it was not read`,
    range: context.rangeOf(lineNumber, 0, 0),
    code: 'line-too-long',
  });
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
