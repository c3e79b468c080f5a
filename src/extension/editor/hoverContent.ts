/**
 * What hovering over a `.llmbatch` file explains: a setting's value as it applies
 * (after the block replaces the header's), a sweep's values, how many requests a
 * block expands to, and where a `{{variable}}` gets its values.
 *
 * Everything shown comes from the file, which is untrusted: text is escaped and
 * values go into code spans, and the result is meant for an untrusted MarkdownString.
 */
import type { LlmbatchDocument, Section, Setting } from '../../core/language/syntax/document';
import type { BlockSummary, ExpansionResult, ResolvedSetting } from '../../core/language/expand/expansionResult';
import { settingKind } from '../../core/language/settings/parameters';
import type { SourceRange } from '../../core/models';
import { formatCount } from './lensModel';

export interface HoverContent {
  readonly markdown: string;
  /** The word the hover is about, to highlight. */
  readonly range: SourceRange;
}

const maxListedValues = 10;
const maxValueLength = 80;

export function containsPosition(range: SourceRange, line: number, character: number): boolean {
  if (line < range.startLine || line > range.endLine) return false;
  if (line === range.startLine && character < range.startColumn) return false;
  if (line === range.endLine && character > range.endColumn) return false;
  return true;
}

/** Escapes text so Markdown shows it as written. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, '\\$&').replace(/\r?\n/g, ' ');
}

/** A code span that holds any text, backticks included. */
export function codeSpan(text: string): string {
  const oneLine = text.replace(/\r?\n/g, '⏎');
  const shown = oneLine.length > maxValueLength ? `${oneLine.slice(0, maxValueLength - 1)}…` : oneLine;
  const longestRun = Math.max(0, ...(shown.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = shown.startsWith('`') || shown.endsWith('`') || shown === '' ? ' ' : '';
  return `${fence}${pad}${shown}${pad}${fence}`;
}

function showValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return codeSpan(text);
}

function plural(count: number, word: string): string {
  return `${formatCount(count)} ${word}${count === 1 ? '' : 's'}`;
}

function listValues(values: readonly unknown[]): string {
  const shown = values.slice(0, maxListedValues).map(showValue).join(', ');
  return values.length > maxListedValues ? `${shown}, … and ${values.length - maxListedValues} more` : shown;
}

function kindLabel(key: string): string {
  const kind = settingKind(key);
  if (kind === 'parameter') return 'request parameter';
  if (kind === 'reserved') return 'file setting';
  return 'variable';
}

/** The value as written: one value, a sweep, or a reference to a variable. */
function describeWritten(setting: Setting): string {
  const value = setting.value;
  switch (value.kind) {
    case 'value':
      return `Value ${showValue(value.value)}`;
    case 'sweep':
      return `Sweep over ${plural(value.elements.length, 'value')}: ${listValues(value.elements.map((element) => element.value))}`;
    case 'reference':
      return `Takes the value of ${codeSpan(`{{${value.name}}}`)}`;
    default:
      return `Value ${codeSpan(setting.text)} (not valid — see Problems)`;
  }
}

function describeResolved(setting: ResolvedSetting): string {
  if (setting.sweep) return `Sweep over ${plural(setting.sweep.length, 'value')}: ${listValues(setting.sweep)}`;
  if (setting.reference !== undefined) return `Takes the value of ${codeSpan(`{{${setting.reference}}}`)}`;
  if ('value' in setting) return `Value ${showValue(setting.value)}`;
  return 'No valid value (see Problems)';
}

/** "12 requests (2 model × 2 temperature × 3 lang)". */
export function describeCount(summary: BlockSummary): string {
  const factors: string[] = [];
  for (const setting of summary.settings) if (setting.sweep && setting.sweep.length !== 1) factors.push(`${setting.sweep.length} ${setting.key}`);
  if (summary.data) factors.push(`${plural(summary.data.rows, 'row')} of ${codeSpan(summary.data.path)}`);
  if (summary.repeat > 1) factors.push(`${summary.repeat} repeats`);
  const count = `**${plural(summary.requestCount, 'request')}**`;
  return factors.length > 1 || (factors.length === 1 && summary.requestCount !== 1) ? `${count} (${factors.join(' × ')})` : count;
}

function blockLabel(summary: BlockSummary): string {
  return `**${escapeMarkdown(summary.name)}**`;
}

function findSummary(expansion: ExpansionResult, index: number): BlockSummary | undefined {
  const direct = expansion.blocks[index];
  return direct?.index === index ? direct : expansion.blocks.find((summary) => summary.index === index);
}

interface Place {
  readonly section: Section;
  /** Undefined for the file header. */
  readonly summary?: BlockSummary;
  readonly blockIndex?: number;
}

function placeAt(document: LlmbatchDocument, expansion: ExpansionResult, line: number): Place | undefined {
  // Blocks are in file order: binary search for the last one starting at or before the line.
  const { blocks } = document;
  let low = 0;
  let high = blocks.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((blocks[middle]?.range.startLine ?? 0) <= line) low = middle;
    else high = middle - 1;
  }
  const block = blocks[low];
  if (block && line >= block.range.startLine && line <= block.range.endLine) return { section: block, summary: findSummary(expansion, block.index), blockIndex: block.index };
  const header = document.header;
  if (line >= header.range.startLine && line <= header.range.endLine) return { section: header };
  return undefined;
}

function totalRequests(expansion: ExpansionResult): number {
  return expansion.blocks.reduce((sum, summary) => sum + summary.requestCount, 0);
}

function settingHover(setting: Setting, place: Place, document: LlmbatchDocument, expansion: ExpansionResult): HoverContent {
  const lines = [`**@${escapeMarkdown(setting.key)}** · ${kindLabel(setting.key)}${place.summary ? '' : ' · file header'}`, ''];
  if (place.summary) {
    const resolved = place.summary.settings.find((candidate) => candidate.key === setting.key && candidate.origin === 'block');
    lines.push(resolved ? describeResolved(resolved) : describeWritten(setting));
    const fromHeader = document.header.settings.find((candidate) => candidate.key === setting.key);
    if (fromHeader) lines.push('', `Replaces the file header's ${describeWritten(fromHeader).replace(/^\w/, (c) => c.toLowerCase())} (line ${fromHeader.keyRange.startLine + 1}).`);
    const data = place.summary.data;
    if (setting.key === 'data' && data) {
      const columns = data.columns.slice(0, maxListedValues).map(codeSpan).join(', ');
      lines.push('', `${codeSpan(data.path)}: ${plural(data.rows, 'row')}; columns ${columns}${data.columns.length > maxListedValues ? ', …' : ''}.`);
    }
    lines.push('', `Block ${blockLabel(place.summary)} expands to ${describeCount(place.summary)}.`);
  } else {
    lines.push(describeWritten(setting));
    const applies: string[] = [];
    const replaced: string[] = [];
    for (const summary of expansion.blocks) {
      const own = summary.settings.find((candidate) => candidate.key === setting.key);
      if (own?.origin === 'block') replaced.push(escapeMarkdown(summary.name));
      else applies.push(escapeMarkdown(summary.name));
    }
    if (expansion.blocks.length > 0) {
      const where = applies.length === expansion.blocks.length ? 'every block' : applies.length === 0 ? 'no block' : applies.join(', ');
      lines.push('', `Applies to ${where}${replaced.length > 0 ? `; replaced in ${replaced.join(', ')}` : ''}.`);
    }
    lines.push('', `The file expands to **${plural(totalRequests(expansion), 'request')}**.`);
  }
  return { markdown: lines.join('\n'), range: setting.keyRange };
}

function variableHover(name: string, range: SourceRange, place: Place): HoverContent {
  const title = `${codeSpan(`{{${name}}}`)} · variable`;
  const summary = place.summary;
  const resolved = summary?.settings.find((candidate) => candidate.key === name);
  const written = summary ? undefined : place.section.settings.find((candidate) => candidate.key === name);
  const lines = [title, ''];
  if (resolved) {
    lines.push(`Defined ${resolved.origin === 'block' ? 'in this block' : 'in the file header'} (line ${resolved.range.startLine + 1}).`, '', describeResolved(resolved));
  } else if (written) {
    lines.push(`Defined in the file header (line ${written.keyRange.startLine + 1}).`, '', describeWritten(written));
  } else if (summary?.data?.columns.includes(name)) {
    lines.push(`Column of ${codeSpan(summary.data.path)}: one request per row (${plural(summary.data.rows, 'row')}).`);
  } else if (summary) {
    lines.push(`Not defined in this block: set it with ${codeSpan(`@${name} = …`)} or add a data column of that name.`);
  } else {
    lines.push('Each block that uses this message supplies the value.');
  }
  if (summary) lines.push('', `Block ${blockLabel(summary)} expands to ${describeCount(summary)}.`);
  return { markdown: lines.join('\n'), range };
}

function placeholderAt(place: Place, line: number, character: number): { name: string; range: SourceRange } | undefined {
  for (const setting of place.section.settings) {
    for (const placeholder of setting.placeholders) {
      if (placeholder.range && containsPosition(placeholder.range, line, character)) return { name: placeholder.name, range: placeholder.range };
    }
  }
  for (const message of place.section.messages) {
    if (!containsPosition(message.range, line, character)) continue;
    for (const part of message.content.parts) {
      if (typeof part !== 'string' && part.range && containsPosition(part.range, line, character)) return { name: part.name, range: part.range };
    }
  }
  return undefined;
}

/** The hover at a 0-based position, or undefined where there is nothing to explain. */
export function hoverAt(document: LlmbatchDocument, expansion: ExpansionResult, line: number, character: number): HoverContent | undefined {
  const place = placeAt(document, expansion, line);
  if (!place) return undefined;
  const placeholder = placeholderAt(place, line, character);
  if (placeholder) return variableHover(placeholder.name, placeholder.range, place);
  const setting = place.section.settings.find((candidate) => containsPosition(candidate.range, line, character));
  if (setting) return settingHover(setting, place, document, expansion);
  const block = place.blockIndex === undefined ? undefined : document.blocks[place.blockIndex];
  if (block && place.summary && !block.implicit && containsPosition(block.separatorRange, line, character)) {
    return { markdown: `Block ${blockLabel(place.summary)} expands to ${describeCount(place.summary)}.`, range: block.separatorRange };
  }
  return undefined;
}
