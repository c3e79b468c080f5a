/**
 * `parseDocument`: the structure of a `.llmbatch` file — header, blocks, settings,
 * messages — and the problems visible from the text alone. Cheap enough to run on
 * every keystroke; never throws.
 */
import type { Diagnostic } from '../../diagnostics';
import { sortByPosition } from '../diagnosticSink';
import type { Block, LlmbatchDocument, MessageDefinition, Section, Setting } from './document';
import { BlockNode, MessageNode } from './documentNodes';
import type { ExpectLine } from '../../expect/expectPlan';
import { indentOf, isBlank, isSeparator, lineRange, matchExpect, matchRole, readsAsKnownSetting, SourceLines, spanRange, unescapesMessageLine } from './lines';
import type { MessageRole, RoleLine } from './lines';
import { TemplateBuilder } from './template';
import type { PlaceholderProblem, Template } from './template';
import { readSettingAt, SettingReadCache } from './settingReader';
import type { Report } from './settingReader';

interface OpenMessage {
  readonly role: MessageRole;
  readonly label?: string;
  readonly line: number;
  /** Column where the text on the role line starts. */
  readonly column: number;
  readonly roleEnd: number;
}

interface OpenSection {
  readonly startLine: number;
  lastLine: number;
  readonly settings: Setting[];
  readonly messages: MessageDefinition[];
  expectations?: ExpectLine[];
  readonly block?: { name?: string; nameColumn: number; separatorLength: number };
}

const emptyRange = spanRange(0, 0, 0, 0);
const none: readonly never[] = Object.freeze([]);

/** The list as kept for good: a list grown by pushing reserves room for more, and a file has many. */
function exactly<T>(list: T[]): readonly T[] {
  return list.length === 0 ? none : list.slice();
}

// Enough for the distinct fixed messages of any real file (a system prompt repeated in every block is one).
const maxCachedTemplates = 10_000;

/** Takes each block as soon as it is read, with the header (complete by then) and the lines of the text. */
export type BlockReader = (block: Block, header: Section, lines: SourceLines) => void;

class Parser {
  readonly diagnostics: Diagnostic[] = [];
  readonly blocks: Block[] = [];
  blockCount = 0;
  header: Section | undefined;
  private section: OpenSection = { startLine: 0, lastLine: -1, settings: [], messages: [] };
  private message: OpenMessage | undefined;
  private strayStart = -1;
  private strayEnd = -1;
  private readonly placeholderProblems: PlaceholderProblem[] = [];
  private readonly settingCache = new SettingReadCache();
  /** Templates of messages without placeholders, by text: immutable, so one serves every block that repeats the text. */
  private readonly fixedTemplates = new Map<string, Template>();
  private readonly templateBuilder = new TemplateBuilder();

  constructor(
    private readonly lines: SourceLines,
    private readonly onBlock: BlockReader | undefined,
  ) {}

  private readonly report: Report = (severity, message, range, code) => {
    this.diagnostics.push({ severity, message, range, code });
  };

  run(): void {
    const lines = this.lines;
    for (let i = 0; i < lines.count; i++) {
      const line = lines.at(i);
      if (isSeparator(line)) {
        this.flushStray();
        this.closeMessage(i);
        this.closeSection();
        this.openBlock(i, line);
        continue;
      }
      const expect = matchExpect(line);
      if (expect >= 0) {
        this.flushStray();
        this.closeMessage(i);
        this.addExpectation(i, expect, line);
        continue;
      }
      const role = matchRole(line);
      if (role) {
        this.flushStray();
        this.closeMessage(i);
        this.openMessage(i, role, line);
        continue;
      }
      if (this.message) {
        this.noteSettingInMessage(i, line);
        continue;
      }
      if (isBlank(line)) continue;
      const indent = indentOf(line);
      this.section.lastLine = i;
      const first = line.charCodeAt(indent);
      if (first === 35) {
        this.flushStray();
        if (indent === 0 && line.startsWith('###') && line.charCodeAt(3) !== 35) {
          this.report('warning', `"###" needs a space after it to start a block: write "### ${line.slice(3).trim()}"`, lineRange(i, 0, 3), 'separator-space');
        }
        continue;
      }
      if (first === 64) {
        this.flushStray();
        i = this.readSetting(i);
        continue;
      }
      if (this.strayStart < 0) this.strayStart = i;
      this.strayEnd = i;
    }
    this.flushStray();
    this.closeMessage(lines.count);
    this.closeSection();
  }

  private flushStray(): void {
    if (this.strayStart < 0) return;
    const first = this.lines.at(this.strayStart);
    const lastLength = this.lines.lengthOf(this.strayEnd);
    const role = matchRole(first.toLowerCase());
    const message = role
      ? `roles are written in lower case: "${role.role}:"`
      : 'text outside a message: start the message with a role line such as "user:" (settings are written "@name = value", comments start with #)';
    this.report('error', message, spanRange(this.strayStart, 0, this.strayEnd, lastLength), 'stray-text');
    this.strayStart = -1;
  }

  private openBlock(line: number, text: string): void {
    const nameColumn = indentOf(text, 3);
    const name = text.slice(nameColumn).trimEnd();
    this.section = {
      startLine: line,
      lastLine: line,
      settings: [],
      messages: [],
      block: { name: name === '' ? undefined : name, nameColumn, separatorLength: text.length },
    };
  }

  private closeSection(): void {
    const open = this.section;
    const endLine = Math.max(open.lastLine, open.startLine);
    const endColumn = open.lastLine < 0 ? 0 : this.lines.lengthOf(endLine);
    if (!open.block) {
      const range = spanRange(open.startLine, 0, endLine, endColumn);
      this.header = open.expectations ? { range, settings: open.settings, messages: open.messages, expectations: open.expectations } : { range, settings: open.settings, messages: open.messages };
      return;
    }
    const range = { endLine, endColumn };
    const { name, nameColumn, separatorLength } = open.block;
    // A block handed over is dropped once expanded: only kept ones are worth trimming.
    const streamed = this.onBlock !== undefined;
    const settings = streamed ? open.settings : exactly(open.settings);
    const messages = streamed ? open.messages : exactly(open.messages);
    const block = new BlockNode(this.blockCount++, name, settings, messages, open.startLine, nameColumn, separatorLength, range.endLine, range.endColumn, open.expectations);
    if (open.messages.length === 0 && (this.header?.messages.length ?? 0) === 0) {
      const label = name === undefined ? 'this block' : `block "${name}"`;
      this.report('error', `${label} has no messages: add a line such as "user: …" after its settings`, block.separatorRange, 'no-messages');
    }
    if (this.onBlock) this.onBlock(block, this.header as Section, this.lines);
    else this.blocks.push(block);
  }

  private addExpectation(line: number, column: number, text: string): void {
    this.section.lastLine = line;
    const rest = text.slice(column);
    this.templateBuilder.scan(rest, line, column, this.placeholderProblems);
    this.flushPlaceholderProblems();
    (this.section.expectations ??= []).push({ line, column, text: rest, template: this.templateBuilder.finish() });
  }

  private openMessage(line: number, role: RoleLine, text: string): void {
    this.section.lastLine = line;
    this.message = { role: role.role, label: role.label, line, column: indentOf(text, role.end), roleEnd: role.end };
  }

  private closeMessage(endLine: number): void {
    const open = this.message;
    if (!open) return;
    this.message = undefined;
    const lines = this.lines;
    const roleText = lines.at(open.line).slice(open.column);
    let first = open.line;
    while (first < endLine && isBlank(first === open.line ? roleText : lines.at(first))) first++;
    let last = endLine - 1;
    while (last >= first && isBlank(last === open.line ? roleText : lines.at(last))) last--;
    const content = this.fixedContent(open, roleText, first, last) ?? this.templateContent(open, roleText, first, last);
    const empty = last < first;
    const endColumn = empty ? 0 : last === open.line ? open.column + roleText.length : lines.lengthOf(last);
    const message = new MessageNode(open.role, open.label, content, open.line, open.roleEnd, empty ? -1 : last, endColumn);
    if (empty) this.report('warning', `this ${open.role} message is empty`, message.roleRange, 'empty-message');
    if (open.role === 'tool' && open.label === undefined) {
      this.report('error', 'a tool message answers a tool call: write "tool (call_id):" with the id of that call', message.roleRange, 'tool-call-id');
    }
    this.section.lastLine = Math.max(this.section.lastLine, empty ? open.line : last);
    this.section.messages.push(message);
  }

  /** The template of a message whose text has no `{{`: its text, shared with every message written the same. */
  private fixedContent(open: OpenMessage, roleText: string, first: number, last: number): Template | undefined {
    let text: string;
    if (first === last) {
      text = first === open.line ? roleText : this.messageLine(first);
      if (text.includes('{{')) return undefined;
    } else {
      const pieces: string[] = [];
      for (let l = first; l <= last; l++) {
        const piece = l === open.line ? roleText : this.messageLine(l);
        if (piece.includes('{{')) return undefined;
        pieces.push(piece);
      }
      text = pieces.join('\n');
    }
    const templates = this.fixedTemplates;
    let template = templates.get(text);
    if (!template) {
      template = { text, parts: text === '' ? [] : [text] };
      if (templates.size < maxCachedTemplates) templates.set(text, template);
    }
    return template;
  }

  /** A line of message text as sent: one escaping backslash dropped. */
  private messageLine(line: number): string {
    const text = this.lines.at(line);
    return unescapesMessageLine(text) ? text.slice(1) : text;
  }

  private templateContent(open: OpenMessage, roleText: string, first: number, last: number): Template {
    const lines = this.lines;
    const builder = this.templateBuilder;
    const problems = this.placeholderProblems;
    for (let l = first; l <= last; l++) {
      if (l > first) builder.literal('\n');
      if (l === open.line) builder.scan(roleText, l, open.column, problems);
      else {
        const text = lines.at(l);
        if (unescapesMessageLine(text)) builder.scan(text.slice(1), l, 1, problems);
        else builder.scan(text, l, 0, problems);
      }
    }
    this.flushPlaceholderProblems();
    return builder.finish();
  }

  private flushPlaceholderProblems(): void {
    const problems = this.placeholderProblems;
    if (problems.length === 0) return;
    for (const problem of problems) this.report('warning', problem.message, problem.range, 'unclosed-placeholder');
    problems.length = 0;
  }

  private noteSettingInMessage(line: number, text: string): void {
    if (isBlank(text)) return;
    if (text.charCodeAt(indentOf(text)) !== 64) return;
    const key = readsAsKnownSetting(text);
    if (key === undefined || !this.message) return;
    const start = indentOf(text);
    this.report(
      'info',
      `this line is part of the ${this.message.role} message, not a setting: settings go before the first message (write \\@${key} to keep it in the message without this note)`,
      lineRange(line, start, start + key.length + 1),
      'setting-in-message',
    );
  }

  /** Reads a setting at line `i`; returns the last line it used. */
  private readSetting(i: number): number {
    const { setting, last } = readSettingAt(this.lines, i, this.report, this.placeholderProblems, this.settingCache);
    this.flushPlaceholderProblems();
    if (!setting) return last;
    const settings = this.section.settings;
    // Sections hold a handful of settings: a scan beats a map per block.
    for (let s = settings.length - 1; s >= 0; s--) {
      const previous = settings[s] as Setting;
      if (previous.key !== setting.key) continue;
      this.report('warning', `@${setting.key} is already set on line ${previous.keyRange.startLine + 1}; this value replaces it`, setting.keyRange, 'duplicate-setting');
      break;
    }
    settings.push(setting);
    this.section.lastLine = last;
    return last;
  }
}

function unreadableDocument(lines: SourceLines, diagnostic: Diagnostic): LlmbatchDocument {
  return {
    lineCount: lines.count,
    lineLengths: lines.lengths(),
    header: { range: emptyRange, settings: [], messages: [] },
    blocks: [],
    diagnostics: [diagnostic],
    unreadable: true,
  };
}

/** The line and column of the first `needle` in the text. */
function locate(lines: SourceLines, needle: string): { line: number; column: number } {
  for (let l = 0; l < lines.count; l++) {
    const column = lines.at(l).indexOf(needle);
    if (column >= 0) return { line: l, column };
  }
  return { line: 0, column: 0 };
}

function parse(input: string, onBlock?: BlockReader): LlmbatchDocument {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const lines = new SourceLines(text);
  if (text.includes('\u0000')) {
    const at = locate(lines, '\u0000');
    return unreadableDocument(lines, {
      severity: 'error',
      message: 'this file looks binary (it contains NUL characters), not a .llmbatch text file',
      range: lineRange(at.line, at.column, at.column + 1),
      code: 'encoding',
    });
  }
  const parser = new Parser(lines, onBlock);
  parser.run();
  const header = parser.header ?? { range: emptyRange, settings: [], messages: [] };
  let blocks = parser.blocks;
  let fileHeader = header;
  if (parser.blockCount === 0 && header.messages.length > 0) {
    // A file without `###` lines is one request.
    blocks = [{ ...header, index: 0, separatorRange: emptyRange, implicit: true }];
    fileHeader = { range: emptyRange, settings: [], messages: [] };
  } else if (parser.blockCount === 0) {
    const firstSetting = header.settings[0];
    parser.diagnostics.push(
      firstSetting
        ? { severity: 'warning', message: 'this file has settings but no requests: add a block such as "### first" followed by a "user: …" line', range: firstSetting.keyRange, code: 'no-requests' }
        : { severity: 'info', message: 'this file has no requests yet: add a block such as "### first" followed by a "user: …" line', range: emptyRange, code: 'no-requests' },
    );
  }
  let unreadable = false;
  if (text.includes('\uFFFD')) {
    unreadable = true;
    const at = locate(lines, '\uFFFD');
    parser.diagnostics.unshift({
      severity: 'error',
      message: 'this file is not valid UTF-8 text (a byte sequence here could not be read); save it as UTF-8 — no requests are sent until then',
      range: lineRange(at.line, at.column, at.column + 1),
      code: 'encoding',
    });
  }
  const diagnostics = sortByPosition(parser.diagnostics);
  if (onBlock) {
    // Read by the editor only: a document parsed to be expanded never needs them.
    let lineLengths: number[] | undefined;
    return {
      lineCount: lines.count,
      get lineLengths() {
        return (lineLengths ??= lines.lengths());
      },
      header: fileHeader,
      blocks,
      diagnostics,
      unreadable: unreadable || undefined,
    };
  }
  return { lineCount: lines.count, lineLengths: lines.lengths(), header: fileHeader, blocks, diagnostics, unreadable: unreadable || undefined };
}

/**
 * Parses like {@link parseDocument}, but hands each block to `onBlock` as soon
 * as it is read and keeps none: the document returned has no blocks, unless it
 * is a file without `###` lines (its one block is made only at the end). A text
 * that is not a readable file hands over no block. Throws what `onBlock` throws.
 */
export function parseDocumentBlocks(text: string, onBlock: BlockReader): LlmbatchDocument {
  return parse(text, onBlock);
}

/**
 * Parses `.llmbatch` text into its structure without reading data files or
 * expanding sweeps. Never throws: problems come back as diagnostics.
 */
export function parseDocument(text: string): LlmbatchDocument {
  try {
    return parse(typeof text === 'string' ? text : String(text));
  } catch (error) {
    return unreadableDocument(new SourceLines(''), {
      severity: 'error',
      message: `the file could not be read: ${error instanceof Error ? error.message : String(error)}`,
      range: emptyRange,
      code: 'internal-error',
    });
  }
}
