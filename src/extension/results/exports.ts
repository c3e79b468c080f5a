/**
 * Results as files: CSV (RFC 4180, safe to open in a spreadsheet), Markdown
 * and JSONL. Cells hold model output, which is untrusted (a prompt-injected
 * answer can carry anything): CSV cells that a spreadsheet would run as a
 * formula are defused; Markdown cells cannot break out of their table, inject
 * HTML, or make a previewer load an image or follow a link.
 */
import type { ExportFormat, ResultRow } from '../../webview/protocol';
import { sweptParameterNames, variableNames } from '../../webview/logic/columns';

interface ExportColumn {
  readonly name: string;
  value(row: ResultRow): string | number | undefined;
}

const fixedNames = new Set(['id', 'block', 'model', 'status', 'latency_ms', 'attempts', 'prompt_tokens', 'completion_tokens', 'cost_usd', 'finish_reason', 'answer', 'error']);

/** The columns of an export: identity, every variable, the parameters that vary, then results. */
export function exportColumns(rows: readonly ResultRow[]): ExportColumn[] {
  // A swept model is already the model column.
  const variables = variableNames(rows).filter((name) => name !== 'model');
  const parameters = sweptParameterNames(rows).filter((name) => !variables.includes(name));
  // A swept value named like a result field keeps its own column.
  const header = (name: string) => (fixedNames.has(name) ? `var.${name}` : name);
  return [
    { name: 'id', value: (row) => row.id },
    { name: 'block', value: (row) => row.block },
    { name: 'model', value: (row) => row.model },
    ...variables.map((name): ExportColumn => ({ name: header(name), value: (row) => row.variables[name] })),
    ...parameters.map((name): ExportColumn => ({ name: header(name), value: (row) => row.parameters[name] })),
    { name: 'status', value: (row) => row.status },
    { name: 'latency_ms', value: (row) => (row.latencyMs === undefined ? undefined : Math.round(row.latencyMs)) },
    { name: 'attempts', value: (row) => row.attempts },
    { name: 'prompt_tokens', value: (row) => row.promptTokens },
    { name: 'completion_tokens', value: (row) => row.completionTokens },
    { name: 'cost_usd', value: (row) => row.costUsd },
    { name: 'finish_reason', value: (row) => row.finishReason },
    { name: 'answer', value: (row) => row.answer },
    { name: 'error', value: (row) => row.error },
  ];
}

/**
 * One CSV field. Text starting with `=`, `+`, `-`, `@`, tab or carriage return
 * gets a leading `'` so spreadsheets show it instead of evaluating it; numbers
 * are written as numbers.
 */
export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180: CRLF between records, a header record first. */
export function toCsv(rows: readonly ResultRow[]): string {
  const columns = exportColumns(rows);
  const lines = [columns.map((column) => csvField(column.name)).join(',')];
  for (const row of rows) lines.push(columns.map((column) => csvField(column.value(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

// Bounded repetitions keep a hostile answer (a megabyte of `[`) from making these quadratic. Past the
// bounds nothing is lost: brackets are escaped and addresses caught as bare ones.
// A Markdown link or image, `[text](url)` / `![alt](url)`: the text is kept, the address shown inert.
const markdownLink = /(!?)\[([^\]\n]{0,100})\]\(([^)\n]{0,500})\)/.source;
// `<scheme:…>`, which Markdown makes a link.
const angleLink = /<([a-z][a-z0-9+.-]{0,31}:[^\s<>]*)>/.source;
// What previewers link by themselves (GFM autolinks: addresses, `www.`, e-mail), and the schemes that run something when followed.
const bareLink = /(?:\b[a-z][a-z0-9+.-]{0,31}:\/\/|\b(?:javascript|vbscript|data|command|file|mailto):|\bwww\.)[^\s<>`|]*[^\s<>`|.,:;!?'")\]]|\b[a-z0-9._+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,8}\b/.source;
const linksInText = new RegExp(`${angleLink}|(${bareLink})`, 'gi');
const linksInCell = new RegExp(`${markdownLink}|${angleLink}|(${bareLink})`, 'gi');

/** An address as inert text: in a code span nothing is followed or loaded, and nothing in it can end the span or the cell. */
function inertAddress(url: string): string {
  return url === '' ? '' : `\`${url.replace(/[`|\\]/g, (char) => encodeURIComponent(char))}\``;
}

/** Text that is not an address: pipes escaped, HTML and link brackets neutralised, line breaks kept as `<br>`. */
function markdownText(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[[\]`|]/g, '\\$&')
    .replace(/\r?\n|\r/g, '<br>');
}

/** `text` with each address in it made inert by `render`, and everything else escaped. */
function withInertLinks(text: string, pattern: RegExp, render: (match: RegExpExecArray) => string): string {
  let out = '';
  let last = 0;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    out += markdownText(text.slice(last, match.index)) + render(match);
    last = pattern.lastIndex;
  }
  return out + markdownText(text.slice(last));
}

/** Link text or alt text: may hold addresses of its own. */
function markdownLabel(text: string): string {
  return withInertLinks(text, linksInText, (match) => inertAddress(match[1] ?? match[2]!));
}

/** The address of `[text](address "title")`, without its title or angle brackets. */
function destination(inside: string): string {
  const trimmed = inside.trim();
  if (trimmed.startsWith('<')) return trimmed.slice(1, trimmed.includes('>') ? trimmed.indexOf('>') : undefined);
  return trimmed.split(/\s/, 1)[0]!;
}

/**
 * One Markdown table cell of untrusted text (answers, errors, values). It
 * cannot break out of its table, inject HTML, or make a previewer load or
 * follow anything: images become their alt text and links their text, each
 * followed by the address in a code span (`alt (image: `https://…`)`), and
 * bare addresses are put in code spans too. Line breaks are kept as `<br>`.
 */
export function markdownCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  return withInertLinks(String(value), linksInCell, (match) => {
    const [, bang, label, inside, angled, bare] = match;
    if (inside === undefined) return inertAddress(angled ?? bare!);
    const address = inertAddress(destination(inside));
    const text = markdownLabel(label ?? '');
    if (!address) return text;
    if (bang) return text ? `${text} (image: ${address})` : `image: ${address}`;
    return text ? `${text} (${address})` : address;
  });
}

export function toMarkdown(rows: readonly ResultRow[], title?: string): string {
  const columns = exportColumns(rows);
  const lines: string[] = [];
  if (title) lines.push(`# ${markdownCell(title)}`, '');
  lines.push(`| ${columns.map((column) => markdownCell(column.name)).join(' | ')} |`);
  lines.push(`| ${columns.map(() => '---').join(' | ')} |`);
  for (const row of rows) lines.push(`| ${columns.map((column) => markdownCell(column.value(row))).join(' | ')} |`);
  return `${lines.join('\n')}\n`;
}

/** One JSON object per line: identity, `variables`, `parameters`, then the result fields. */
export function toJsonl(rows: readonly ResultRow[]): string {
  return rows
    .map((row) => {
      const record = {
        id: row.id,
        block: row.block,
        model: row.model,
        variables: row.variables,
        parameters: row.parameters,
        status: row.status,
        latency_ms: row.latencyMs === undefined ? undefined : Math.round(row.latencyMs),
        attempts: row.attempts,
        prompt_tokens: row.promptTokens,
        completion_tokens: row.completionTokens,
        cost_usd: row.costUsd,
        finish_reason: row.finishReason,
        answer: row.answer,
        error: row.error,
      };
      return `${JSON.stringify(record)}\n`;
    })
    .join('');
}

export function exportText(format: ExportFormat, rows: readonly ResultRow[], title?: string): string {
  if (format === 'csv') return toCsv(rows);
  if (format === 'markdown') return toMarkdown(rows, title);
  return toJsonl(rows);
}

export const exportExtensions: Record<ExportFormat, { readonly extension: string; readonly label: string }> = {
  csv: { extension: 'csv', label: 'CSV' },
  markdown: { extension: 'md', label: 'Markdown' },
  jsonl: { extension: 'jsonl', label: 'JSON Lines' },
};
